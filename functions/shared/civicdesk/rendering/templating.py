"""The texts of notifications: mails and SMS rendered from Jinja2 templates whose every sentence
is a message of the catalogues.

A template (``templates/<kind>.mail.j2`` with a ``subject`` and a ``body`` block,
``templates/<kind>.sms.j2``) holds only the structure of a text: which paragraphs, in which
order, under which condition. Its words are ``notify.*`` messages of the catalogues, called as
``t(key, **params)`` in the recipient's language, so that a text is written once per language
in the same place as every other text CivicDesk shows. ``templates/_mail.j2`` holds what all
mails share: the greeting, the signature and the footer with the unsubscribe link.

Each kind declares the context it needs (the keys shared by every mail plus its own); a missing
key raises ``KeyError`` and ``None`` where a key may not be ``None`` raises ``ValueError``
before anything is rendered, and the environment's ``StrictUndefined`` catches a template that
uses a name nobody passes. Texts are plain (no autoescape): they go out as ``text/plain``.

SMS are as short as a language allows. Only the confirmation, a merge (the case's new number)
and the notice that an e-mail bounced carry a link: the citizen has the tracking link from the
confirmation, and a link of about 120 characters alone takes two of the three UCS-2 parts a
Cyrillic or Czech SMS gets (``civicdesk.domain.sms``). A link that would make an SMS longer
than ``MAX_SMS_PARTS`` is left out rather than cut by the sender's ``fit``: half a link is
useless, the sentence before it is the news.

Jinja2 is imported on the first render: the API functions never render a notification and do
not pay for it at cold start.

Examples
--------
>>> mail = render_mail("resolved", "en", {
...     "municipality": "Municipality of Demo", "number": "2026-000123", "name": None,
...     "tracking_url": None, "unsubscribe_url": None, "signature": "Contact centre",
...     "type_name": "Report a problem", "category_name": "Street lighting",
...     "department_name": "Public lighting", "status_name": "Resolved", "message": None})
>>> mail.subject
'Your case has been resolved'
>>> print(mail.text.splitlines()[2])
Your case 2026-000123 (Street lighting) has been resolved.
>>> render_sms("resolved", "en", {"municipality": "Municipality of Demo",
...     "number": "2026-000123", "tracking_url": None, "status_name": "Resolved", "message": None})
'Municipality of Demo: your case 2026-000123 has been resolved.'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from ..domain.cases import LANGUAGES
from ..domain.sms import segments
from ..domain.sms_script import DEFAULT_SMS_POLICY, SmsPolicy, sms_text
from .i18n import FALLBACK, translate

if TYPE_CHECKING:
    import jinja2

__all__ = ["MAIL_KINDS", "MAX_SMS_PARTS", "REPORT_KINDS", "SMS_KINDS", "RenderedMail",
           "render_mail", "render_report_mail", "render_sms"]

TEMPLATES = Path(__file__).parent / "templates"


class RenderedMail(Struct, frozen=True):
    """A notification mail's words. ``subject`` is one line without the case tag (the sender
    prefixes ``[#<number>] ``); ``text`` is the plain-text body."""

    subject: str
    text: str


# The context of each kind: key -> whether it may be None. Every mail has the common keys.
_MAIL_COMMON = {
    "municipality": False, "number": False, "name": True, "tracking_url": True,
    "unsubscribe_url": True, "signature": False, "type_name": False, "category_name": False,
    "department_name": False, "status_name": False,
}
_MAIL_OWN: dict[str, dict[str, bool]] = {
    "confirmation": {"description_excerpt": False},
    "status_changed": {"previous_status_name": True, "message": True},
    "resolved": {"message": True},
    "reopened": {"message": True},
    "merged": {"into_number": False, "into_tracking_url": True},
    "referred": {"body_name": False},
    "follower_update": {"change": False, "message": True},
    "follow_confirm": {"confirm_url": False},
    "assigned": {"assignee_name": False, "assigned_by": False, "excerpt": False,
                 "address": True, "coordinates": True, "map_url": True, "received_at": False},
    "routed": {"excerpt": False, "address": True, "coordinates": True, "map_url": True,
               "received_at": False},
    "escalated": {"reason": False, "escalated_by": False, "level": False, "excerpt": False,
                  "address": True, "coordinates": True, "map_url": True},
    # the last day of the extended legal deadline (a local date) and why
    "deadline_extended": {"legal_due": False, "reason": False},
    "sla_warning": {"clock_name": False, "due_at": False, "time_left": False, "excerpt": False,
                    "address": True, "coordinates": True, "map_url": True, "received_at": False},
}
_SMS_COMMON = {"municipality": False, "number": False, "tracking_url": True, "status_name": False}
_SMS_OWN: dict[str, dict[str, bool]] = {
    # The official's message to the citizen comes along (the SMS is their only answer).
    "confirmation": {}, "status_changed": {"message": True}, "resolved": {"message": True},
    "reopened": {"message": True},
    "merged": {"into_number": False, "into_tracking_url": True},
    "referred": {"body_name": False},
    "email_bounced": {},
    "deadline_extended": {"legal_due": False},
}

MAIL_KINDS: tuple[str, ...] = tuple(_MAIL_OWN)
SMS_KINDS: tuple[str, ...] = tuple(_SMS_OWN)

#: What a follower is told about (``follower_update``'s ``change``).
FOLLOWER_CHANGES = ("status_changed", "resolved", "reopened")
#: The parts an SMS with a link may take (``civicdesk.domain.sms.fit``'s default).
MAX_SMS_PARTS = 3
_SMS_LINKS = ("tracking_url", "into_tracking_url")


def render_mail(kind: str, language: str, context: Mapping[str, object]) -> RenderedMail:
    """The subject and plain-text body of a notification mail of ``kind`` in ``language``.

    ``context`` carries the keys every mail has (``municipality``, ``number``, ``name``,
    ``tracking_url``, ``unsubscribe_url``, ``signature``, ``type_name``, ``category_name``,
    ``department_name``, ``status_name``) and those of the kind (see ``_MAIL_OWN``). A mail
    with an ``unsubscribe_url`` ends with a footer saying why the recipient gets it and the
    link; ``None`` marks a required answer, which has none. A ``language`` that is not one of
    CivicDesk's five renders in English.

    Raises
    ------
    ValueError
        An unknown ``kind``, ``None`` where the kind needs a value, an unknown
        ``follower_update`` change.
    KeyError
        A key of the kind's context is missing.
    """
    if kind not in _MAIL_OWN:
        raise ValueError(f"unknown mail kind {kind!r}; one of {', '.join(MAIL_KINDS)}")
    _check(f"mail {kind!r}", context, {**_MAIL_COMMON, **_MAIL_OWN[kind]})
    if kind == "follower_update" and context["change"] not in FOLLOWER_CHANGES:
        raise ValueError(f"follower_update: change must be one of {', '.join(FOLLOWER_CHANGES)}, "
                         f"not {context['change']!r}")
    template = _environment().get_template(f"{kind}.mail.j2")
    variables = _variables(language, context)
    subject = _render_block(template, "subject", variables)
    body = _render_block(template, "body", variables)
    return RenderedMail(subject=" ".join(subject.split()), text=_tidy(body))


#: Mails about no single case (reports), rendered by ``render_report_mail``: the context each
#: needs besides ``municipality``, ``name``, ``signature`` and ``unsubscribe_url``.
_REPORT_COMMON = {"municipality": False, "name": True, "signature": False, "unsubscribe_url": True}
_REPORT_OWN: dict[str, dict[str, bool]] = {
    "weekly_report": {"start": False, "end": False, "previous_start": False, "previous_end": False,
                      "figures": False, "departments": False, "department_table": False,
                      "overdue_heading": False, "oldest": False, "dashboard_url": False,
                      "why": False},
}
REPORT_KINDS: tuple[str, ...] = tuple(_REPORT_OWN)


def render_report_mail(kind: str, language: str, context: Mapping[str, object]) -> RenderedMail:
    """The subject and plain-text body of a report mail of ``kind`` (``REPORT_KINDS``) in
    ``language``: like ``render_mail``, without a case."""
    if kind not in _REPORT_OWN:
        raise ValueError(f"unknown report kind {kind!r}; one of {', '.join(REPORT_KINDS)}")
    _check(f"report {kind!r}", context, {**_REPORT_COMMON, **_REPORT_OWN[kind]})
    template = _environment().get_template(f"{kind}.mail.j2")
    variables = _variables(language, context)
    subject = _render_block(template, "subject", variables)
    return RenderedMail(subject=" ".join(subject.split()),
                        text=_tidy(_render_block(template, "body", variables)))


def render_sms(kind: str, language: str, context: Mapping[str, object],
               policy: SmsPolicy = DEFAULT_SMS_POLICY) -> str:
    """The text of a notification SMS of ``kind`` in ``language``, on one line, written as
    the municipality's ``policy`` says (script, diacritics; ``civicdesk.domain.sms.sms_text``).

    ``context`` needs ``municipality``, ``number``, ``tracking_url`` (or ``None``) and
    ``status_name``, and for ``merged`` ``into_number`` and ``into_tracking_url`` (or
    ``None``), for ``referred`` ``body_name``; other keys are ignored, so a mail's context
    does. A link that would take the SMS beyond ``MAX_SMS_PARTS`` parts is left out; the
    caller still fits the text to the parts it pays for (``civicdesk.domain.sms.fit``).

    Raises
    ------
    ValueError
        An unknown ``kind`` or ``None`` where the kind needs a value.
    KeyError
        A key of the kind's context is missing.
    """
    if kind not in _SMS_OWN:
        raise ValueError(f"unknown SMS kind {kind!r}; one of {', '.join(SMS_KINDS)}")
    _check(f"SMS {kind!r}", context, {**_SMS_COMMON, **_SMS_OWN[kind]})
    template = _environment().get_template(f"{kind}.sms.j2")
    variables = _variables(language, context)
    text = sms_text(" ".join(template.render(variables).split()), language, policy)
    if segments(text)[1] > MAX_SMS_PARTS and any(variables.get(key) for key in _SMS_LINKS):
        without_links = {**variables, **{key: None for key in _SMS_LINKS if key in variables}}
        text = sms_text(" ".join(template.render(without_links).split()), language, policy)
    return text


def _check(what: str, context: Mapping[str, object], needed: Mapping[str, bool]) -> None:
    missing = [key for key in needed if key not in context]
    if missing:
        raise KeyError(f"the context of {what} lacks {', '.join(missing)}")
    empty = [key for key, nullable in needed.items() if not nullable and context[key] is None]
    if empty:
        raise ValueError(f"the context of {what} has None for {', '.join(empty)}")


def _variables(language: str, context: Mapping[str, object]) -> dict[str, Any]:
    language = language if language in LANGUAGES else FALLBACK
    return {**context, "language": language, "t": partial(translate, language)}


@lru_cache(maxsize=1)
def _environment() -> "jinja2.Environment":
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), undefined=jinja2.StrictUndefined,
        autoescape=False, trim_blocks=True, lstrip_blocks=True,
        # The templates are part of the deployed package and never change under a running
        # process: no stat() of the file on every use.
        auto_reload=False)
    environment.filters["quote"] = _quote
    return environment


def _render_block(template: "jinja2.Template", name: str, variables: Mapping[str, Any]) -> str:
    return "".join(template.blocks[name](template.new_context(dict(variables))))


def _quote(text: object) -> str:
    """``text`` quoted the way plain-text mail quotes: ``> `` before every line."""
    return "\n".join(f"> {line}".rstrip() for line in str(text).strip().splitlines())


_BLANK_LINES = re.compile(r"\n{3,}")
#: The signature separator (RFC 3676): mail programs leave what follows it out of a reply, so
#: an answer does not quote the footer's personal unsubscribe link back to us.
SIGNATURE_SEPARATOR = "-- "


def _tidy(text: str) -> str:
    """Trailing spaces gone (but the separator's), at most one empty line in a row, no empty
    lines at the start or end: conditional paragraphs leave gaps a template cannot avoid."""
    lines = [line if line == SIGNATURE_SEPARATOR else line.rstrip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")
