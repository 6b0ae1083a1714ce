"""A campaign's texts as each recipient gets them: the mail with its unsubscribe link, the SMS
written as the municipality writes SMS (``sms_script``) with ``STOP`` where it fits, the
per-recipient link (a survey's) in place of ``{link}``; and what sending will cost.

Only the standard library; the catalogue's words (the unsubscribe line, ``STOP``) are passed in.
"""

from __future__ import annotations

from typing import Mapping

from msgspec import Struct

from .campaigns import LINK_PLACEHOLDER, Message
from .sms import fit, segments
from .sms_script import DEFAULT_SMS_POLICY, SmsPolicy, sms_text

#: The most SMS parts a campaign text is sent as (it is cut at a word beyond).
MAX_SMS_PARTS = 4


class MailText(Struct, frozen=True):
    subject: str
    body: str
    unsubscribe_url: str | None


def mail_text(message: Message, *, link: str | None, unsubscribe_url: str | None,
              unsubscribe_line: str) -> MailText:
    """The mail: ``{link}`` replaced, the unsubscribe line (``{url}`` in it) at the end.

    >>> mail_text(Message("Water", "No water today."), link=None,
    ...           unsubscribe_url="https://x/alerts.html#unsubscribe=t",
    ...           unsubscribe_line="Unsubscribe: {url}").body
    'No water today.\\n\\n-- \\nUnsubscribe: https://x/alerts.html#unsubscribe=t\\n'
    """
    body = message.mail_body.replace(LINK_PLACEHOLDER, link or "").rstrip()
    if unsubscribe_url:
        body += "\n\n-- \n" + unsubscribe_line.replace("{url}", unsubscribe_url)
    return MailText(message.subject.replace(LINK_PLACEHOLDER, link or "").strip(), body + "\n",
                    unsubscribe_url)


def sms_body(message: Message, language: str, *, link: str | None, stop_hint: str | None,
             policy: SmsPolicy = DEFAULT_SMS_POLICY) -> str:
    """The SMS: ``{link}`` replaced, the municipality's script and typography, and the ``STOP``
    hint appended when the text then takes no more parts than without it.

    >>> sms_body(Message(sms_text="No water in Centar until 18:00."), "en", link=None,
    ...          stop_hint="STOP: reply STOP")
    'No water in Centar until 18:00. STOP: reply STOP'
    >>> sms_body(Message(sms_text="x" * 158), "en", link=None, stop_hint="STOP: reply STOP")[-3:]
    'xxx'
    """
    text = sms_text(message.sms_text.replace(LINK_PLACEHOLDER, link or "").strip(), language, policy)
    text = fit(text, MAX_SMS_PARTS)
    if stop_hint:
        hinted = sms_text(f"{text} {stop_hint}", language, policy)
        if segments(hinted)[1] <= segments(text)[1]:
            return hinted
    return text


class SmsEstimate(Struct, frozen=True):
    language: str
    encoding: str
    parts: int
    characters: int


def sms_estimate(messages: Mapping[str, Message], policy: SmsPolicy,
                 stop_hints: Mapping[str, str]) -> dict[str, SmsEstimate]:
    """Per language, how the SMS text goes (encoding, parts), as ``sms_body`` writes it for a
    subscriber (with the ``STOP`` hint where it fits); a ``{link}`` is counted at 40 characters."""
    estimates = {}
    for language, message in messages.items():
        text = sms_body(message, language, link="x" * 40, stop_hint=stop_hints.get(language),
                        policy=policy)
        kind, parts = segments(text)
        estimates[language] = SmsEstimate(language, kind, parts, len(text))
    return estimates


class Prices(Struct, frozen=True):
    """List prices in US dollars: SES per mail (0.10 per 1,000), SMS per part to the
    municipality's country (``CIVICDESK_CAMPAIGN_SMS_PRICE``)."""

    mail: float = 0.0001
    sms_part: float = 0.0



class Estimate(Struct, frozen=True):
    recipients: int
    by_language: dict[str, int]
    first_channel: dict[str, int]  # how many get each channel first
    unreachable: int  # no address for any of the campaign's channels
    sms: dict[str, SmsEstimate]
    mail_cost: float
    sms_cost: float

    @property
    def cost(self) -> float:
        return round(self.mail_cost + self.sms_cost, 4)


def estimate(first_channel_by_language: Mapping[tuple[str, str], int], unreachable: int,
             sms: Mapping[str, SmsEstimate], prices: Prices) -> Estimate:
    """The cost of the first attempt of every recipient (fallbacks come on top, at most the
    other channel's price each): ``first_channel_by_language`` counts recipients by
    ``(language, first channel)``.

    >>> e = estimate({("en", "email"): 1000, ("en", "sms"): 10}, 2,
    ...              {"en": SmsEstimate("en", "GSM-7", 2, 200)}, Prices(0.0001, 0.05))
    >>> e.recipients, e.mail_cost, e.sms_cost, e.cost
    (1012, 0.1, 1.0, 1.1)
    """
    by_language: dict[str, int] = {}
    first: dict[str, int] = {}
    mail_cost = sms_cost = 0.0
    for (language, channel), count in first_channel_by_language.items():
        by_language[language] = by_language.get(language, 0) + count
        first[channel] = first.get(channel, 0) + count
        if channel == "email":
            mail_cost += count * prices.mail
        elif channel == "sms":
            parts = sms[language].parts if language in sms else 1
            sms_cost += count * parts * prices.sms_part
    total = sum(by_language.values()) + unreachable
    return Estimate(total, by_language, first, unreachable, dict(sms), round(mail_cost, 4),
                    round(sms_cost, 4))
