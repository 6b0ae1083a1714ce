"""The words of the report mails: a metric's value and its change from the week before, as a
recipient reads them in their language (counts, working time in hours and minutes, shares in
per cent and percentage points, every number with its plural form), and a plain-text table.

The change is said in words with an arrow (``↑ up by 2``), never by colour alone: the mail is
plain text, and a screen reader reads the words.

Examples
--------
>>> metric_text("en", "resolution_median", 125)
'2 working hours and 5 minutes'
>>> change_text("en", "opened", 12, 9)
'↑ up by 3 (the week before: 9)'
>>> change_text("en", "first_reaction_met_share", 0.8, 0.85)
'↓ down by 5 percentage points (the week before: 85 %)'
>>> change_text("sr-Latn", "breaches", 2, 2)
'= bez promene (nedelju pre: 2)'
"""

from __future__ import annotations

from typing import Sequence

from .i18n import translate
from .plurals import translate_count, working_duration

Value = float | int | None


def _kind(metric: str) -> str:
    if metric.endswith("_share"):
        return "share"
    if metric.endswith(("_median", "_mean", "_p90")):
        return "duration"
    return "count"


def metric_text(language: str, metric: str, value: Value) -> str:
    """One metric's value as the mail shows it (``no figures`` for a median or share of
    nothing measured)."""
    if value is None:
        return translate(language, "report.none")
    kind = _kind(metric)
    if kind == "share":
        return translate(language, "report.percent", value=round(float(value) * 100))
    if kind == "duration":
        return working_duration(language, round(float(value)))
    return str(int(value))


def change_text(language: str, metric: str, value: Value, previous: Value) -> str:
    """How ``value`` compares with the week before's ``previous``: up, down or unchanged and by
    how much, with the previous value."""
    said = metric_text(language, metric, previous)
    if value is None or previous is None:
        return translate(language, "report.change.unknown", previous=said)
    kind = _kind(metric)
    if kind == "share":
        difference = round(float(value) * 100) - round(float(previous) * 100)
        amount = translate_count(language, "report.points", abs(difference))
    elif kind == "duration":
        difference = round(float(value)) - round(float(previous))
        amount = working_duration(language, abs(difference))
    else:
        difference = int(value) - int(previous)
        amount = str(abs(difference))
    if not difference:
        return translate(language, "report.change.same", previous=said)
    # The arrow is not language: it stays out of the catalogues (whose texts must also make
    # GSM-7 SMS in the Latin script).
    arrow = "↑ " if difference > 0 else "↓ "
    key = "report.change.up" if difference > 0 else "report.change.down"
    return arrow + translate(language, key, change=amount, previous=said)


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, the first left-aligned and the others right
    (numbers), a rule under the header.

    >>> print(text_table(["Department", "Opened"], [["Roads", "12"], ["Lighting", "3"]]))
    Department  Opened
    ----------  ------
    Roads           12
    Lighting         3
    """
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i])
                         for i, cell in enumerate(cells)).rstrip()

    return "\n".join([line(header), "  ".join("-" * width for width in widths), *map(line, rows)])
