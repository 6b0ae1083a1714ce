"""The texts of alert subscriptions: the mail that confirms an address and the SMS with the code
that confirms a number, each sentence an ``alerts_*`` message of the catalogues, in the
resident's language, every number with its plural form. Plain text, like every mail
(``templating``), without Jinja2: a confirmation has no conditional structure beyond a few lines.

Examples
--------
>>> mail = confirm_mail("en", municipality="Municipality of Demo", topics=["Water supply"],
...                     areas=["Centre"], point=None, url="https://p.example/alerts.html#confirm=t",
...                     days=7)
>>> mail.subject
'Municipality of Demo: please confirm your alert subscription'
>>> "within 7 days" in mail.text
True
>>> print(code_sms("en", municipality="Demo", code="012345", minutes=15))  # doctest: +NORMALIZE_WHITESPACE
Demo: your alert subscription code is 012345. It is valid for 15 minutes. If you did not ask for
it, ignore this SMS.
>>> code_sms("sr-Latn", municipality="Opština Demo", code="012345", minutes=1).count("1 minut")
1
"""

from __future__ import annotations

from ..domain.sms_script import DEFAULT_SMS_POLICY, SmsPolicy, sms_text
from .i18n import translate
from .plurals import translate_count


class AlertMail:
    """A confirmation mail's words (``subject`` one line, ``text`` the plain body)."""

    __slots__ = ("subject", "text")

    def __init__(self, subject: str, text: str):
        self.subject = subject
        self.text = text


def confirm_mail(language: str, *, municipality: str, topics: list[str], areas: list[str],
                 point: tuple[float, float] | None, url: str, days: int) -> AlertMail:
    """The mail with the link that confirms the address (a required mail: no unsubscribe
    footer, nothing to end yet)."""
    t = lambda key, **params: translate(language, key, **params)  # noqa: E731
    lines = [t("notify.greeting"), "",
             t("alerts_mail.body", municipality=municipality), ""]
    lines.append(t("alerts_mail.topics", topics=", ".join(topics)))
    if areas:
        lines.append(t("alerts_mail.areas", areas=", ".join(areas)))
    if point is not None:
        lines.append(t("alerts_mail.point", lat=f"{point[0]:.5f}", lon=f"{point[1]:.5f}"))
    lines += ["", t("alerts_mail.confirm", within=translate_count(language, "alerts_days", days),
                    url=url),
              "", t("alerts_mail.channels"), "", t("alerts_mail.ignore"), "",
              t("alerts_mail.signature", municipality=municipality), "", t("notify.automatic")]
    return AlertMail(" ".join(t("alerts_mail.subject", municipality=municipality).split()),
                     "\n".join(lines).strip() + "\n")


def code_sms(language: str, *, municipality: str, code: str, minutes: int,
             policy: SmsPolicy = DEFAULT_SMS_POLICY) -> str:
    """The SMS with the code that confirms the number, on one line, in the municipality's
    SMS script (``sms_text``)."""
    text = translate(language, "alerts_sms.code", municipality=municipality, code=code,
                     valid=translate_count(language, "alerts_minutes", minutes))
    return sms_text(" ".join(text.split()), language, policy)
