"""``service_levels.json`` and ``legal_deadlines.json`` (``infra/config/``) -> ``ServiceLevels``,
validated once when the configuration document is loaded (``infra/config/README.md``)."""

from __future__ import annotations

from datetime import date
from typing import Collection, Mapping

from .calendar import OfficeCalendar
from .cases import CaseType
from .errors import ConfigurationError
from .service_levels import LegalDeadline, ServiceLevels, Target

_TARGET_KEYS = {"first_reaction_minutes", "resolution_minutes", "warn_before_minutes"}
_MATCH_KEYS = ("category", "department", "type")


def _fail(detail: str) -> ConfigurationError:
    return ConfigurationError("error.configuration", detail=detail)


def _whole(value: object, where: str, *, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise _fail(f"{where}: expected a whole number of at least {minimum}, not {value!r}")
    return value


def _target(raw: object, where: str, matched: str, fallback: Target | None) -> Target:
    if not isinstance(raw, Mapping):
        raise _fail(f"{where}: expected an object")
    unknown = set(raw) - _TARGET_KEYS - set(_MATCH_KEYS)
    if unknown:
        raise _fail(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    values = {}
    for key in sorted(_TARGET_KEYS):
        if key in raw:
            values[key] = _whole(raw[key], f"{where}.{key}")
        elif fallback is not None:
            values[key] = getattr(fallback, key)
        else:
            raise _fail(f"{where}: {key} is required")
    if values["first_reaction_minutes"] > values["resolution_minutes"]:
        raise _fail(f"{where}: first_reaction_minutes is longer than resolution_minutes")
    return Target(values["first_reaction_minutes"], values["resolution_minutes"],
                  values["warn_before_minutes"], matched)


def _days_off(raw: object) -> frozenset[date]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise _fail("service_levels.days_off: expected a list of dates (YYYY-MM-DD)")
    try:
        return frozenset(date.fromisoformat(value) for value in raw)
    except (TypeError, ValueError) as exc:
        raise _fail(f"service_levels.days_off: {exc}") from None


def _legal(raw: object, country: str) -> dict[CaseType, LegalDeadline]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not isinstance(raw.get("countries"), Mapping):
        raise _fail("legal_deadlines: expected {\"countries\": {\"RS\": {...}, ...}}")
    rules: dict[CaseType, LegalDeadline] = {}
    for code, types in raw["countries"].items():
        if not isinstance(types, Mapping):
            raise _fail(f"legal_deadlines.{code}: expected an object of case types")
        for type_name, rule in types.items():
            where = f"legal_deadlines.{code}.{type_name}"
            if type_name not in CaseType._value2member_map_:
                raise _fail(f"{where}: unknown case type {type_name}")
            if not isinstance(rule, Mapping):
                raise _fail(f"{where}: expected an object")
            days = _whole(rule.get("days"), f"{where}.days", minimum=1)
            kind = rule.get("day_kind")
            if kind not in ("working", "calendar"):
                raise _fail(f"{where}.day_kind: expected working or calendar, not {kind!r}")
            reference = rule.get("reference")
            if not isinstance(reference, str) or not reference.strip():
                raise _fail(f"{where}.reference: the legal reference is required")
            if rule.get("to_be_confirmed_by_lawyer") not in (True, False):
                raise _fail(f"{where}.to_be_confirmed_by_lawyer: expected true or false")
            extension = rule.get("extension")
            extension_days, extension_reference, reason_required = 0, "", True
            if extension is not None:
                if not isinstance(extension, Mapping):
                    raise _fail(f"{where}.extension: expected an object or null")
                extension_days = _whole(extension.get("days"), f"{where}.extension.days", minimum=1)
                extension_reference = str(extension.get("reference") or "")
                reason_required = extension.get("reason_required", True)
                if reason_required not in (True, False):
                    raise _fail(f"{where}.extension.reason_required: expected true or false")
            if code == country:
                case_type = CaseType(type_name)
                rules[case_type] = LegalDeadline(
                    case_type, days, kind == "working", reference.strip(), extension_days,
                    extension_reference, bool(reason_required),
                    bool(rule["to_be_confirmed_by_lawyer"]))
    return rules


def parse_service_levels(raw: object, legal: object, *, country: str, time_zone: str,
                         working_hours: Mapping[str, tuple[tuple[str, str], ...]],
                         holidays: Collection[date], categories: Collection[str],
                         departments: Collection[str], external_bodies: Collection[str],
                         parse_hours) -> ServiceLevels | None:
    """The service levels of ``service_levels.json`` (``raw``) with the legal deadlines of
    ``country`` from ``legal_deadlines.json`` (``legal``; every country's entries are checked).
    ``None`` without ``service_levels.json``: no clocks. ``parse_hours`` checks working hours as
    ``municipality.json``'s are checked. Raises ``ConfigurationError`` naming the problem."""
    if raw is None:
        if legal is not None:
            _legal(legal, country)
        return None
    if not isinstance(raw, Mapping):
        raise _fail("service_levels: expected an object")
    hours = parse_hours(raw["working_hours"]) if raw.get("working_hours") else working_hours
    days_off = _days_off(raw.get("days_off"))
    calendar = OfficeCalendar(dict(hours), time_zone, holidays=frozenset(holidays) | days_off)
    default = _target(raw.get("default"), "service_levels.default", "default", None)
    by: dict[str, dict] = {"category": {}, "department": {}, "type": {}}
    known = {"category": categories, "department": departments,
             "type": CaseType._value2member_map_}
    targets = raw.get("targets") or []
    if not isinstance(targets, list):
        raise _fail("service_levels.targets: expected a list")
    for index, entry in enumerate(targets):
        where = f"service_levels.targets[{index}]"
        if not isinstance(entry, Mapping):
            raise _fail(f"{where}: expected an object")
        matches = [key for key in _MATCH_KEYS if key in entry]
        if len(matches) != 1:
            raise _fail(f"{where}: name exactly one of category, department or type")
        key = matches[0]
        value = entry[key]
        if value not in known[key]:
            raise _fail(f"{where}: unknown {key} {value!r}")
        if value in by[key]:
            raise _fail(f"{where}: a second target for {key} {value}")
        by[key][value] = _target(entry, where, f"{key}:{value}", default)
    referrals = raw.get("referral_answer_days") or {}
    if not isinstance(referrals, Mapping):
        raise _fail("service_levels.referral_answer_days: expected an object")
    referral_days = {}
    for body, days in referrals.items():
        if body != "default" and body not in external_bodies:
            raise _fail(f"service_levels.referral_answer_days: unknown external body {body}")
        referral_days["" if body == "default" else body] = _whole(
            days, f"service_levels.referral_answer_days.{body}", minimum=1)
    return ServiceLevels(
        calendar=calendar, default=default, by_category=by["category"],
        by_department=by["department"],
        by_type={CaseType(name): target for name, target in by["type"].items()},
        legal=_legal(legal, country), referral_days=referral_days)
