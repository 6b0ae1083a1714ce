"""Declarative request schemas: one definition both validates input and renders JSON Schema.

A tiny standard-library implementation on purpose: the API function's cold start budget is
1.5x the floor of ``import boto3``, and a general validation library costs about half of that
budget on import alone (see ``docs/decisions.md``). Every bad field is reported, not only the
first, each with a machine code and the parameters its translated message needs.

Examples
--------
>>> person = Obj({"name": Str(max_length=5, required=True), "age": Num(minimum=0)})
>>> person.validate({"name": "Ana", "age": 3})
{'name': 'Ana', 'age': 3}
>>> try:
...     person.validate({"name": "Anastasija", "age": -1, "x": 1})
... except ValidationError as exc:
...     sorted((e.field, e.code) for e in exc.errors)
[('age', 'out_of_range'), ('name', 'too_long'), ('x', 'unknown_field')]
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from typing import Any, Mapping

from ..domain.errors import FieldError, ValidationError

_EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
# C0/C1 control characters other than tab, newline and carriage return, and lone UTF-16
# surrogates: JSON's \ud800 escapes decode to them, and no UTF-8 text (nor DynamoDB) can hold one.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class Field(ABC):
    json_type = "string"

    def __init__(self, *, required: bool = False, description: str = "", nullable: bool = True):
        self.required = required
        self.description = description
        self.nullable = nullable

    @abstractmethod
    def check(self, value: Any, path: str, errors: list[FieldError]) -> Any:
        """Return the cleaned value, or append to ``errors`` and return ``None``."""

    def json_schema(self) -> dict:
        schema: dict[str, Any] = {"type": self.json_type}
        if self.description:
            schema["description"] = self.description
        return schema


class Str(Field):
    def __init__(self, *, min_length: int = 0, max_length: int = 1000,
                 enum: tuple[str, ...] | None = None, pattern: str | None = None,
                 format: str | None = None, multiline: bool = False, **kw):
        super().__init__(**kw)
        self.min_length, self.max_length = min_length, max_length
        self.enum, self.format, self.multiline = enum, format, multiline
        self.pattern = re.compile(pattern) if pattern else None

    def check(self, value, path, errors):
        if not isinstance(value, str):
            errors.append(FieldError(path, "type", {"expected": "string"}))
            return None
        value = value.strip()
        if _CONTROL_RE.search(value) or (not self.multiline and ("\n" in value or "\r" in value)):
            errors.append(FieldError(path, "invalid_characters"))
            return None
        if not value and self.required:
            errors.append(FieldError(path, "required"))
            return None
        if not value:
            return None
        if len(value) < self.min_length:
            errors.append(FieldError(path, "too_short", {"min": self.min_length, "length": len(value)}))
        elif len(value) > self.max_length:
            errors.append(FieldError(path, "too_long", {"max": self.max_length, "length": len(value)}))
        elif self.enum is not None and value not in self.enum:
            errors.append(FieldError(path, "not_allowed", {"allowed": ", ".join(self.enum)}))
        elif self.format == "email" and not _EMAIL_RE.match(value):
            errors.append(FieldError(path, "invalid_email"))
        elif self.pattern is not None and not self.pattern.match(value):
            errors.append(FieldError(path, "invalid_format"))
        else:
            return value
        return None

    def json_schema(self):
        schema = super().json_schema()
        schema["maxLength"] = self.max_length
        if self.min_length:
            schema["minLength"] = self.min_length
        if self.enum is not None:
            schema["enum"] = list(self.enum)
        if self.format:
            schema["format"] = self.format
        if self.pattern is not None:
            schema["pattern"] = self.pattern.pattern
        return schema


class Num(Field):
    json_type = "number"

    def __init__(self, *, minimum: float | None = None, maximum: float | None = None, **kw):
        super().__init__(**kw)
        self.minimum, self.maximum = minimum, maximum

    def check(self, value, path, errors):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            errors.append(FieldError(path, "type", {"expected": "number"}))
            return None
        if ((self.minimum is not None and value < self.minimum)
                or (self.maximum is not None and value > self.maximum)):
            errors.append(FieldError(path, "out_of_range", {"min": self.minimum, "max": self.maximum}))
            return None
        return value

    def json_schema(self):
        schema = super().json_schema()
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


class Int(Num):
    """A whole number. With ``from_text`` (query strings) a string of digits is accepted too."""

    json_type = "integer"

    def __init__(self, *, minimum: int | None = None, maximum: int | None = None,
                 from_text: bool = False, **kw):
        super().__init__(minimum=minimum, maximum=maximum, **kw)
        self.from_text = from_text

    def check(self, value, path, errors):
        if self.from_text and isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,15}", value.strip()):
            value = int(value.strip())
        if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(FieldError(path, "type", {"expected": "integer"}))
            return None
        return super().check(value, path, errors)


class DateTime(Field):
    """An RFC 3339 timestamp with a time zone (``2026-11-21T09:30:00+01:00`` or ``...Z``), or
    with ``date_only`` a calendar date (``2026-11-21``); cleaned to an aware ``datetime``/``date``."""

    def __init__(self, *, date_only: bool = False, **kw):
        super().__init__(**kw)
        self.date_only = date_only

    def check(self, value, path, errors):
        from datetime import date, datetime

        if not isinstance(value, str) or len(value) > 40:
            errors.append(FieldError(path, "type", {"expected": "string"}))
            return None
        text = value.strip()
        try:
            if self.date_only:
                if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
                    raise ValueError(text)
                return date.fromisoformat(text)
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
                                r"([Zz]|[+-][0-9]{2}:[0-9]{2})", text):
                raise ValueError(text)
            moment = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
        except ValueError:
            errors.append(FieldError(path, "invalid_date" if self.date_only else "invalid_datetime"))
            return None
        return moment

    def json_schema(self):
        schema = super().json_schema()
        schema["format"] = "date" if self.date_only else "date-time"
        return schema


class Bool(Field):
    json_type = "boolean"

    def __init__(self, *, from_text: bool = False, **kw):
        super().__init__(**kw)
        self.from_text = from_text

    def check(self, value, path, errors):
        if self.from_text and isinstance(value, str) and value.strip().lower() in ("true", "false"):
            value = value.strip().lower() == "true"
        if not isinstance(value, bool):
            errors.append(FieldError(path, "type", {"expected": "boolean"}))
            return None
        return value


class Obj(Field):
    """An object with known fields; unknown fields are refused.

    ``together`` lists groups of fields that must be given all or none (``lat`` with ``lon``).
    """

    json_type = "object"

    def __init__(self, fields: Mapping[str, Field], *, together: tuple[tuple[str, ...], ...] = (),
                 **kw):
        super().__init__(**kw)
        self.fields = dict(fields)
        self.together = together

    def check(self, value, path, errors):
        if not isinstance(value, Mapping):
            errors.append(FieldError(path or "body", "type", {"expected": "object"}))
            return None
        out: dict[str, Any] = {}
        for name in value:
            if name not in self.fields:
                errors.append(FieldError(_join(path, str(name)[:64]), "unknown_field"))
        for name, spec in self.fields.items():
            raw = value.get(name)
            sub = _join(path, name)
            if raw is None:
                if spec.required:
                    errors.append(FieldError(sub, "required"))
                continue
            checked = spec.check(raw, sub, errors)
            if checked is not None:
                out[name] = checked
        for group in self.together:
            given = [name for name in group if value.get(name) is not None]
            if given and len(given) != len(group):
                for name in group:
                    if name not in given:
                        errors.append(FieldError(_join(path, name), "required_with",
                                                 {"other": ", ".join(given)}))
        return out

    def validate(self, value: Any) -> dict:
        """Check ``value`` and return the cleaned copy, or raise ``ValidationError``."""
        errors: list[FieldError] = []
        out = self.check(value, "", errors)
        if errors:
            raise ValidationError(errors)
        return out or {}

    def json_schema(self):
        schema = super().json_schema()
        schema["properties"] = {name: spec.json_schema() for name, spec in self.fields.items()}
        required = [name for name, spec in self.fields.items() if spec.required]
        if required:
            schema["required"] = required
        schema["additionalProperties"] = False
        return schema


class Arr(Field):
    json_type = "array"

    def __init__(self, items: Field, *, max_items: int = 100, **kw):
        super().__init__(**kw)
        self.items, self.max_items = items, max_items

    def check(self, value, path, errors):
        if not isinstance(value, list):
            errors.append(FieldError(path, "type", {"expected": "array"}))
            return None
        if len(value) > self.max_items:
            errors.append(FieldError(path, "too_many", {"max": self.max_items}))
            return None
        out = []
        for index, item in enumerate(value):
            checked = self.items.check(item, f"{path}[{index}]", errors)
            if checked is not None:
                out.append(checked)
        return out

    def json_schema(self):
        schema = super().json_schema()
        schema["items"] = self.items.json_schema()
        schema["maxItems"] = self.max_items
        return schema


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name

