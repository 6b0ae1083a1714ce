"""Texts with a count: the plural form each of CivicDesk's languages takes for a whole number.

A text with a count is a family of catalogue messages ``<key>.one``, ``<key>.few`` and
``<key>.other``, each with a ``{count}`` placeholder. Every catalogue has all three, so the five
keep one set of keys (``tests/unit/test_i18n.py``): Serbian and Czech use all three for whole
numbers ("1 радни минут", "2 радна минута", "5 радних минута"; "1 pracovní minuta", "2 pracovní
minuty", "5 pracovních minut"), English and Bulgarian only ``one`` and ``other`` (their ``few``
is the same text as ``other`` and is never chosen). The rules are CLDR's for integers (Czech's
``many`` is for fractions only); the console chooses the same with ``Intl.PluralRules``.

Examples
--------
>>> [plural_category("sr-Cyrl", n) for n in (1, 2, 5, 11, 21, 22, 102, 112)]
['one', 'few', 'other', 'other', 'one', 'few', 'few', 'other']
>>> [plural_category("cs", n) for n in (1, 3, 5, 21)]
['one', 'few', 'other', 'other']
>>> translate_count("en", "duration.working_minutes", 1)
'1 working minute'
>>> working_duration("sr-Latn", 125)
'2 radna sata i 5 minuta'
>>> working_duration("cs", 4)
'4 pracovní minuty'
"""

from __future__ import annotations

from .i18n import translate

#: The plural forms a catalogue holds for each text with a count.
FORMS = ("one", "few", "other")


def plural_category(language: str, count: int) -> str:
    """The CLDR plural category of the whole number ``count`` in ``language``."""
    n = abs(int(count))
    if language in ("sr-Cyrl", "sr-Latn"):
        if n % 10 == 1 and n % 100 != 11:
            return "one"
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return "few"
        return "other"
    if language == "cs":
        return "one" if n == 1 else "few" if 2 <= n <= 4 else "other"
    return "one" if n == 1 else "other"  # en, bg


def translate_count(language: str, key: str, count: int, **params: object) -> str:
    """The form of ``key`` for ``count`` in ``language``, with ``{count}`` and ``params``."""
    return translate(language, f"{key}.{plural_category(language, count)}", count=count, **params)


def working_duration(language: str, minutes: int) -> str:
    """A span of working time as people say it: minutes under an hour, else hours and minutes
    ("2 working hours and 5 minutes"); every number with its plural form."""
    minutes = max(0, int(minutes))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return translate_count(language, "duration.working_minutes", minutes)
    spoken = translate_count(language, "duration.working_hours", hours)
    if not rest:
        return spoken
    return translate(language, "duration.hours_and_minutes", hours=spoken,
                     minutes=translate_count(language, "duration.minutes", rest))
