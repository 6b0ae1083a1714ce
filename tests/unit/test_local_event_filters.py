"""The local runtime's event filter patterns (``infra.local.event_sources.filters``): Lambda's
``FilterCriteria`` language, as the template's timeline mapping uses it and beyond.
"""

from __future__ import annotations

import pytest

from infra.local.event_sources import filters
from infra.local.event_sources.filters import (
    FilterPatternError,
    compile_filter_criteria,
    matches_any,
    pattern_matches,
)
from tests.support.event_sources import (
    TIMELINE_PATTERN,
    stream_record,
    template_mapping,
)


def test_the_template_pattern_lets_only_timeline_inserts_through():
    # GIVEN the pattern template.yaml gives the events publisher
    [pattern] = compile_filter_criteria(template_mapping().properties["FilterCriteria"])
    assert pattern == TIMELINE_PATTERN

    # THEN a timeline entry's INSERT matches; its MODIFY, another entity, a REMOVE do not
    assert pattern_matches(pattern, stream_record(1))
    assert not pattern_matches(pattern, stream_record(1, "MODIFY"))
    assert not pattern_matches(pattern, stream_record(1, entity="case"))
    removed = stream_record(1, "REMOVE")
    del removed["dynamodb"]["NewImage"]
    assert not pattern_matches(pattern, removed)


@pytest.mark.parametrize("rule, value, expected", [
    # exact values: a list is OR; JSON types are distinct
    (["INSERT", "MODIFY"], "MODIFY", True),
    (["INSERT"], "insert", False),
    ([5], 5.0, True),
    (["5"], 5, False),
    ([True], 1, False),
    ([None], None, True),
    ([None], "", False),
    # an array in the document matches when one element does
    (["b"], ["a", "b"], True),
    (["c"], ["a", "b"], False),
    # prefix, suffix, equals-ignore-case: strings only
    ([{"prefix": "CASE#"}], "CASE#2026-1", True),
    ([{"prefix": "CASE#"}], "EVENT#1", False),
    ([{"prefix": "1"}], 12, False),
    ([{"suffix": ".pdf"}], "a.pdf", True),
    ([{"equals-ignore-case": "Open"}], "OPEN", True),
    # anything-but: a value, a list, a prefix
    ([{"anything-but": "closed"}], "open", True),
    ([{"anything-but": ["closed", "rejected"]}], "rejected", False),
    ([{"anything-but": {"prefix": "CONFIG"}}], "CASE#1", True),
    ([{"anything-but": {"prefix": "CONFIG"}}], "CONFIG", False),
    # numeric ranges, on JSON numbers only (DynamoDB's N values are strings)
    ([{"numeric": [">", 0, "<=", 5]}], 5, True),
    ([{"numeric": [">", 0, "<=", 5]}], 0, False),
    ([{"numeric": ["=", 3]}], "3", False),
    # exists
    ([{"exists": True}], "anything", True),
    ([{"exists": False}], "anything", False),
    # a mix: one matcher is enough
    ([{"prefix": "x"}, "open"], "open", True),
])
def test_pattern_leaf_matchers(rule, value, expected):
    assert pattern_matches({"field": rule}, {"field": value}) is expected


def test_missing_fields_match_only_exists_false_and_nested_objects_must_be_objects():
    assert pattern_matches({"field": [{"exists": False}]}, {})
    assert not pattern_matches({"field": [{"exists": True}]}, {})
    assert not pattern_matches({"field": [{"anything-but": "x"}]}, {})
    assert not pattern_matches({"field": ["x"]}, {"other": "x"})
    # a nested pattern against a scalar: its fields are all missing
    assert not pattern_matches({"a": {"b": ["x"]}}, {"a": "x"})
    assert pattern_matches({"a": {"b": [{"exists": False}]}}, {"a": "x"})
    # several keys: all must match
    assert not pattern_matches({"a": ["1"], "b": ["2"]}, {"a": "1", "b": "3"})


def test_filters_are_ored_and_no_filter_lets_everything_through():
    patterns = compile_filter_criteria({"Filters": [{"Pattern": '{"a": ["1"]}'},
                                                    {"Pattern": '{"b": ["2"]}'}]})
    assert matches_any(patterns, {"b": "2"})
    assert not matches_any(patterns, {"a": "2", "b": "1"})
    assert matches_any((), {"anything": 1})


@pytest.mark.parametrize("pattern, message", [
    ('{"a": ', "not JSON"),
    ('["INSERT"]', "non-empty JSON object"),
    ('{}', "non-empty JSON object"),
    ('{"a": "x"}', "expected a list or an object"),
    ('{"a": []}', "expected a list or an object"),
    ('{"a": [{"wildcard": "*.pdf"}]}', "'wildcard' is not emulated locally"),
    ('{"a": [{"prefix": 1}]}', "invalid 'prefix'"),
    ('{"a": [{"numeric": [">", "1"]}]}', "invalid 'numeric'"),
    ('{"a": [{"numeric": ["~", 1]}]}', "invalid 'numeric'"),
    ('{"a": [{"prefix": "x", "suffix": "y"}]}', "neither a value nor one operator"),
    ('{"a": [{"anything-but": []}]}', "invalid 'anything-but'"),
    ('{"a": {"b": [{"exists": "yes"}]}}', "a.b: invalid 'exists'"),
])
def test_invalid_or_unsupported_patterns_are_refused(pattern, message):
    with pytest.raises(FilterPatternError, match=message):
        compile_filter_criteria({"Filters": [{"Pattern": pattern}]})


def test_the_modules_examples_hold():
    import doctest

    assert doctest.testmod(filters).failed == 0
