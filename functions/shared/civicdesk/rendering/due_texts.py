"""The words of the service-level job: a missed due time as the reason of its escalation, and
due times as the municipality's staff read them (its time zone, day.month.year hours:minutes).

The reason is written into the case in the municipality's default language (the escalation's
stored reason, like a staff member's) and rendered again in each supervisor's language for their
mail, from the entry's ``breaches`` (``[{"clock", "due", "overdue_minutes"}, ...]``).

Examples
--------
>>> breaches = [{"clock": "first_reaction", "due": "2026-11-30T07:30:00.000000Z",
...              "overdue_minutes": 125}]
>>> breach_reason("en", breaches, "Europe/Belgrade")
'Due time missed: first reaction (due 30.11.2026 08:30, overdue by 2 working hours and 5 minutes).'
>>> breach_reason("sr-Cyrl", breaches, "Europe/Belgrade")
'Рок је пропуштен: прва реакција (рок 30.11.2026 08:30, касни 2 радна сата и 5 минута).'
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

from .i18n import translate
from .plurals import working_duration


def local_time(moment: datetime | str, time_zone: str) -> str:
    """``moment`` (a datetime or an ISO string) in ``time_zone``, as ``30.11.2026 08:30``."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment.astimezone(ZoneInfo(time_zone)).strftime("%d.%m.%Y %H:%M")


def breach_reason(language: str, breaches: Iterable[Mapping[str, object]], time_zone: str) -> str:
    """Which due times were missed, when they were due and by how much working time."""
    parts = [translate(language, "sla.breach",
                       clock=translate(language, f"clock.{breach['clock']}"),
                       due=local_time(str(breach["due"]), time_zone),
                       overdue=working_duration(language, int(breach["overdue_minutes"])))  # type: ignore[call-overload]
             for breach in breaches]
    return translate(language, "sla.escalation_reason", breaches="; ".join(parts))
