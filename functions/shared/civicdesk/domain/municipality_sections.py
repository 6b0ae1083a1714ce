"""The parts of a municipality's configuration that only some requests need, parsed on their
first use (``Municipality.sections``, ``parse_municipality(deferred=True)``): the SMS script,
the service levels and legal deadlines, the alert topics, the public map's precision and the
portal's facts. Their modules (and the clock arithmetic behind the service levels) are imported
by the builder that parses them, so a cold start that tracks a case never loads them."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .errors import ConfigurationError

if TYPE_CHECKING:  # annotations only
    from .municipality import Category, Department, ExternalBody
    from .sms_script import SmsPolicy


def _fail(detail: str) -> ConfigurationError:
    return ConfigurationError("error.configuration", detail=detail)


def section_builders(doc: Mapping, *, languages: tuple[str, ...], categories: dict[str, Category],
                     departments: dict[str, Department], external_bodies: dict[str, ExternalBody],
                     hours: dict[str, tuple[tuple[str, str], ...]], holidays: frozenset[date],
                     parse_hours: Callable[[object], dict]) -> dict[str, Callable[[], Any]]:
    """Each part's builder (by its ``Municipality`` attribute), over the document's sections
    and the parts already parsed that it refers to."""

    def service_levels():
        from .service_level_config import parse_service_levels

        return parse_service_levels(
            doc.get("service_levels"), doc.get("legal_deadlines"), country=doc["country"],
            time_zone=doc["time_zone"], working_hours=hours, holidays=holidays,
            categories=categories, departments=departments, external_bodies=external_bodies,
            parse_hours=parse_hours)

    def alert_topics():
        from .alert_config import parse_alert_topics

        return parse_alert_topics(doc.get("alert_topics"), languages)

    def location_precision():
        from .public_map_config import parse_location_precision

        return parse_location_precision(doc.get("public_map"), categories)

    def portal():
        from .portal_info import parse_portal_info

        return parse_portal_info(doc)

    return {"sms": lambda: _sms_policy(doc.get("sms")), "service_levels": service_levels,
            "alert_topics": alert_topics, "location_precision": location_precision,
            "portal": portal}


def default_section(name: str) -> Any:
    """A part's value when the configuration has no builder for it (a ``Municipality`` built by
    hand, in examples and tests)."""
    if name == "sms":
        from .sms_script import DEFAULT_SMS_POLICY

        return DEFAULT_SMS_POLICY
    if name == "location_precision":
        from .public_map_config import LocationPrecision

        return LocationPrecision()
    if name == "portal":
        from .portal_info import PortalInfo

        return PortalInfo()
    return {} if name == "alert_topics" else None


def _sms_policy(raw: object) -> SmsPolicy:
    """``sms``: ``{"script": "native" | "latin", "diacritics": "keep" | "strip"}``, both
    optional (``native``, ``keep``).

    Examples
    --------
    >>> _sms_policy({"script": "latin"})
    SmsPolicy(script=<SmsScript.LATIN: 'latin'>, strip_diacritics=False)
    >>> _sms_policy({"script": "latn"})
    Traceback (most recent call last):
    ...
    civicdesk.domain.errors.ConfigurationError: error.configuration
    """
    from .sms_script import SmsPolicy, SmsScript

    if raw is None:
        return SmsPolicy()
    if not isinstance(raw, Mapping):
        raise _fail("sms must be an object")
    unknown = set(raw) - {"script", "diacritics"}
    if unknown:
        raise _fail(f"sms: unknown keys {', '.join(sorted(unknown))}")
    script = raw.get("script", SmsScript.NATIVE.value)
    if script not in SmsScript._value2member_map_:
        raise _fail(f"sms.script must be one of {', '.join(s.value for s in SmsScript)}, not {script!r}")
    diacritics = raw.get("diacritics", "keep")
    if diacritics not in ("keep", "strip"):
        raise _fail(f"sms.diacritics must be keep or strip, not {diacritics!r}")
    return SmsPolicy(SmsScript(script), strip_diacritics=diacritics == "strip")
