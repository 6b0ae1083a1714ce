"""What the sender wrote now: the reply without its quoted history and signature.

Recognised history, in English, Serbian (both scripts), Bulgarian and Czech:

- attribution lines of Gmail, Apple Mail and Thunderbird ("On ... wrote:", "Dana ... je
  napisao/la:", "У пон, 17. нов 2026. у 10:12 ... је написао/ла:", "На ... написа:",
  "Dne ... napsal(a):", "po 17. 11. 2026 v 10:12 odesílatel ... napsal:"), also wrapped over
  up to three lines;
- Outlook's separators ("-----Original Message-----", "-----Původní zpráva-----", ...) and its
  header blocks ("From: ... Sent: ...", "Od: ... Odesláno: ...", "От: ... Изпратено: ...");
- lines quoted with ``>``;
- the signature after ``-- `` and a trailing "Sent from my iPhone" line.

Every test is a bounded check on one line or a window of three, so the work stays linear.
"""

from __future__ import annotations

import re

_MAX_ATTRIBUTION_CHARS = 400

_ATTRIBUTION_END_RE = re.compile(
    r"(?:wrote|writes|napisao/la|napisao\(la\)|napisao|napisala|написао/ла|написао\(ла\)|"
    r"написао|написала|написа|написал|napsal\(a\)|napsal/a|napsal|napsala)"
    r"(?:\s+(?:je|је))?\s*:$", re.I)
_ATTRIBUTION_START_RE = re.compile(
    r"^(?:on|am|le|dana|dne|u|у|на|дана|po|út|ut|st|čt|ct|pá|pa|so|ne|пон|уто|сре|чет|пет|"
    r"суб|нед|пн|вт|ср|чт|пт|сб|нд|mon|tue|wed|thu|fri|sat|sun|\d)", re.I)
_SEPARATOR_RE = re.compile(
    r"^[-_=*\s]{2,}(?:original message|originalna poruka|izvorna poruka|оригинална порука|"
    r"изворна порука|оригинално съобщение|оригинално писмо|původní zpráva|původní e-mail|"
    r"původní e-mailová zpráva|puvodni zprava)[-_=*\s]{2,}$", re.I)
_FROM_RE = re.compile(r"^\*?(?:from|od|од|от)\s*:\*?\s*\S", re.I)
_SENT_RE = re.compile(
    r"^\*?(?:sent|date|poslato|poslano|datum|послато|послано|датум|изпратено|дата|odesláno|"
    r"odeslano)\s*:", re.I)
_RULE_RE = re.compile(r"^\s*(?:_{8,}|-{8,})\s*$")
_MOBILE_SIGNATURE_RE = re.compile(
    r"^(?:sent from my |sent from outlook|get outlook for |poslato sa |poslano sa |"
    r"послато са |послато из |изпратено от |odesláno z |odeslano z |odesláno ze )", re.I)


def strip_history(text: str) -> str:
    """The part of ``text`` the sender wrote now; ``text`` itself if nothing else would remain.

    Examples
    --------
    >>> print(strip_history("Лампа још не ради.\\n\\n-- \\nМарко\\n\\n"
    ...                     "У уто, 17. нов 2026. у 10:12 Општина <podrska@grad.rs> "
    ...                     "је написао/ла:\\n"
    ...                     "> Ваш предмет [#2026-000123] је отворен."))
    Лампа још не ради.
    >>> print(strip_history("Pořád nefunguje.\\n\\nOd: Podpora <podpora@mesto.cz>\\n"
    ...                     "Odesláno: pondělí 17. listopadu 2026 10:12\\nKomu: jan@novak.cz\\n"
    ...                     "Předmět: Váš požadavek"))
    Pořád nefunguje.
    """
    if not text:
        return text
    lines = text.split("\n")
    cut = _history_start(lines)
    kept = lines[:cut] if cut is not None else lines
    kept = [line for line in kept if not line.lstrip().startswith(">")]
    kept = _strip_signature(kept)
    while kept and (not kept[-1].strip() or _RULE_RE.match(kept[-1])):
        kept.pop()
    if kept and len(kept[-1]) < 80 and _MOBILE_SIGNATURE_RE.match(kept[-1].strip()):
        kept.pop()
    result = "\n".join(kept).strip()
    return result or text


def _history_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or len(stripped) > _MAX_ATTRIBUTION_CHARS:
            continue
        if _SEPARATOR_RE.match(stripped):
            return index
        if _FROM_RE.match(stripped) and _sent_follows(lines, index):
            return _with_rule_above(lines, index)
        if _is_attribution(lines, index):
            return index
    return None


def _is_attribution(lines: list[str], index: int) -> bool:
    window = ""
    for offset in range(3):
        if index + offset >= len(lines):
            return False
        line = lines[index + offset].strip()
        if not line or line.startswith(">"):
            return False
        window = f"{window} {line}".strip()
        if len(window) > _MAX_ATTRIBUTION_CHARS:
            return False
        if _ATTRIBUTION_END_RE.search(window[-40:]) and (
                "@" in window or any(char.isdigit() for char in window)):
            return offset == 0 or bool(_ATTRIBUTION_START_RE.match(window))
    return False


def _sent_follows(lines: list[str], index: int) -> bool:
    for line in lines[index + 1:index + 7]:
        if _SENT_RE.match(line.strip()):
            return True
    return False


def _with_rule_above(lines: list[str], index: int) -> int:
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    return above if above >= 0 and _RULE_RE.match(lines[above]) else index


def _strip_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if line.rstrip("\r") == "-- ":
            return lines[:index]
    for index in range(max(len(lines) - 12, 0), len(lines)):
        if lines[index].strip() == "--":
            return lines[:index]
    return lines
