"""Lambda's event filtering, locally: the subset of the ``FilterCriteria`` pattern language a
template needs (exact values, nested objects, ``prefix``, ``suffix``, ``equals-ignore-case``,
``anything-but``, ``numeric``, ``exists``). Any other operator stops the start rather than being
ignored. Records that do not match are dropped and count as processed.
"""

from __future__ import annotations

import json
from typing import Any, Iterable


class FilterPatternError(ValueError):
    """A ``FilterCriteria`` pattern Lambda would refuse, or one this emulation cannot apply."""


_TEXT_OPERATORS = ("prefix", "suffix", "equals-ignore-case")
_NUMERIC_OPERATORS = ("<", "<=", "=", ">", ">=")
SUPPORTED_OPERATORS = (*_TEXT_OPERATORS, "anything-but", "numeric", "exists")
_MISSING = object()


def compile_filter_criteria(criteria: Any) -> tuple[dict, ...]:
    """The patterns of a ``FilterCriteria`` (``{"Filters": [{"Pattern": "<json>"}]}``), parsed
    and checked. An empty tuple lets every record through.

    Examples
    --------
    >>> compile_filter_criteria({"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]})
    ({'eventName': ['INSERT']},)
    >>> compile_filter_criteria(None)
    ()
    >>> compile_filter_criteria({"Filters": [{"Pattern": '{"eventName": "INSERT"}'}]})
    Traceback (most recent call last):
    ...
    infra.local.event_sources.filters.FilterPatternError: eventName: expected a list or an object, got 'INSERT'
    """
    if not criteria:
        return ()
    if not isinstance(criteria, dict) or not isinstance(criteria.get("Filters", []), list):
        raise FilterPatternError("FilterCriteria must be {Filters: [{Pattern: ...}]}")
    patterns = []
    for position, entry in enumerate(criteria.get("Filters") or []):
        raw = entry.get("Pattern") if isinstance(entry, dict) else None
        if isinstance(raw, str):
            try:
                pattern = json.loads(raw)
            except json.JSONDecodeError as error:
                raise FilterPatternError(f"filter {position + 1}: the pattern is not JSON "
                                         f"({error})") from None
        else:
            pattern = raw
        validate_pattern(pattern)
        patterns.append(pattern)
    return tuple(patterns)


def validate_pattern(pattern: Any, path: str = "") -> None:
    """Raise ``FilterPatternError`` unless ``pattern`` is a pattern ``pattern_matches`` applies
    the way Lambda does: an object whose leaves are non-empty lists of matchers."""
    if not isinstance(pattern, dict) or not pattern:
        raise FilterPatternError(f"{path or 'pattern'}: expected a non-empty JSON object")
    for key, rule in pattern.items():
        where = f"{path}.{key}" if path else str(key)
        if isinstance(rule, dict):
            validate_pattern(rule, where)
        elif isinstance(rule, list) and rule:
            for matcher in rule:
                _validate_matcher(matcher, where)
        else:
            raise FilterPatternError(f"{where}: expected a list or an object, got {rule!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bool)) or _is_number(value)


def _validate_matcher(matcher: Any, where: str) -> None:
    if _is_scalar(matcher):
        return
    if not isinstance(matcher, dict) or len(matcher) != 1:
        raise FilterPatternError(f"{where}: {matcher!r} is neither a value nor one operator")
    (operator, argument), = matcher.items()
    if operator in _TEXT_OPERATORS:
        valid = isinstance(argument, str)
    elif operator == "exists":
        valid = isinstance(argument, bool)
    elif operator == "numeric":
        valid = _valid_numeric(argument)
    elif operator == "anything-but":
        if isinstance(argument, dict):
            valid = (len(argument) == 1 and next(iter(argument)) in ("prefix", "suffix")
                     and isinstance(next(iter(argument.values())), str))
        elif isinstance(argument, list):
            valid = bool(argument) and all(_is_scalar(v) and v is not None for v in argument)
        else:
            valid = _is_scalar(argument) and argument is not None
    else:
        raise FilterPatternError(f"{where}: the operator {operator!r} is not emulated locally "
                                 f"(supported: {', '.join(SUPPORTED_OPERATORS)})")
    if not valid:
        raise FilterPatternError(f"{where}: invalid {operator!r} argument {argument!r}")


def _valid_numeric(argument: Any) -> bool:
    if not isinstance(argument, list) or len(argument) not in (2, 4):
        return False
    return all(argument[i] in _NUMERIC_OPERATORS and _is_number(argument[i + 1])
               for i in range(0, len(argument), 2))


def pattern_matches(pattern: dict, document: Any) -> bool:
    """Whether ``document`` (a record as the function would receive it) matches ``pattern``.

    Lambda's rules: every key of the pattern must match (AND); a list of matchers matches when
    one of them does (OR); an array in the document matches when one of its elements does; a
    field the document lacks matches only ``{"exists": false}``.

    Examples
    --------
    >>> record = {"eventName": "INSERT", "dynamodb": {"NewImage": {"entity": {"S": "event"}}}}
    >>> pattern_matches({"dynamodb": {"NewImage": {"entity": {"S": ["event"]}}}}, record)
    True
    >>> pattern_matches({"eventName": [{"anything-but": ["INSERT", "MODIFY"]}]}, record)
    False
    >>> pattern_matches({"dynamodb": {"OldImage": [{"exists": False}]}}, record)
    True
    """
    for key, rule in pattern.items():
        value = document.get(key, _MISSING) if isinstance(document, dict) else _MISSING
        if isinstance(rule, dict):
            if not pattern_matches(rule, value if isinstance(value, dict) else None):
                return False
        elif not any(_matcher_matches(matcher, value) for matcher in rule):
            return False
    return True


def matches_any(patterns: Iterable[dict], document: Any) -> bool:
    """Lambda's ``FilterCriteria``: no pattern lets everything through, else one must match."""
    patterns = tuple(patterns)
    return not patterns or any(pattern_matches(p, document) for p in patterns)


def _matcher_matches(matcher: Any, value: Any) -> bool:
    if isinstance(matcher, dict) and "exists" in matcher:
        return matcher["exists"] == (value is not _MISSING)
    if value is _MISSING:
        return False
    elements = value if isinstance(value, list) else [value]
    return any(_element_matches(matcher, element) for element in elements)


def _same(expected: Any, actual: Any) -> bool:
    """JSON equality: ``5 == 5.0`` but ``"5" != 5``, ``true != 1``, ``null`` only ``null``."""
    if expected is None or isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if _is_number(expected):
        return _is_number(actual) and expected == actual
    return isinstance(actual, str) and expected == actual


def _element_matches(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, dict):
        return _same(matcher, value)
    (operator, argument), = matcher.items()
    if operator == "prefix":
        return isinstance(value, str) and value.startswith(argument)
    if operator == "suffix":
        return isinstance(value, str) and value.endswith(argument)
    if operator == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == argument.casefold()
    if operator == "numeric":
        return _is_number(value) and all(
            _compare(value, argument[i], argument[i + 1]) for i in range(0, len(argument), 2))
    if operator == "anything-but":
        if isinstance(argument, dict):
            return not _element_matches(argument, value)
        excluded = argument if isinstance(argument, list) else [argument]
        return not any(_same(item, value) for item in excluded)
    return False


def _compare(value: float, operator: str, bound: float) -> bool:
    return {"<": value < bound, "<=": value <= bound, "=": value == bound,
            ">": value > bound, ">=": value >= bound}[operator]


def sqs_filter_view(record: dict) -> dict:
    """What Lambda matches an SQS pattern against: the record, its body parsed when it is JSON
    (a plain-text body stays a string, so patterns on its fields never match it)."""
    try:
        body = json.loads(record.get("body") or "")
    except (TypeError, ValueError):
        return record
    return {**record, "body": body}
