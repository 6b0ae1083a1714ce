"""Every text CivicDesk shows or sends a citizen, an external body or an official, in their
language: the message catalogues (``catalogues/*.json``, ``i18n``), the notification mails and
SMS (``templates/*.j2``, ``templating``) and the messages written from a case (``notices``).

This package's namespace is the port the services render through: they import the names below
from ``civicdesk.rendering``, never from its modules, so catalogues, templates and the template
engine can change behind it. Rendering is pure (no I/O but reading the package's own files), so
the services import it rather than receive it. Jinja2 is imported on the first notification
rendered, not with this package: the API functions never render one and do not pay for it at
cold start.
"""

from typing import TYPE_CHECKING, Any

from .due_texts import breach_reason, local_time
from .i18n import FALLBACK, catalogue, normalise_language, pick_language, translate
from .plurals import plural_category, translate_count, working_duration

if TYPE_CHECKING:
    from .notices import case_context, case_mailbox, referral_mail, reply_mail, reply_sms_text, thread_headers
    from .templating import (
        FOLLOWER_CHANGES,
        MAIL_KINDS,
        MAX_SMS_PARTS,
        SMS_KINDS,
        RenderedMail,
        render_mail,
        render_report_mail,
        render_sms,
    )

#: Names of the modules that compose mails and SMS, imported on first use (PEP 562): a function
#: that only translates (the API answering a request) does not build the mail and SMS machinery
#: at cold start.
_LAZY = {**dict.fromkeys(("case_context", "case_mailbox", "referral_mail", "reply_mail",
                          "reply_sms_text", "thread_headers"), "notices"),
         **dict.fromkeys(("FOLLOWER_CHANGES", "MAIL_KINDS", "MAX_SMS_PARTS", "SMS_KINDS",
                          "RenderedMail", "render_mail", "render_report_mail", "render_sms"),
                        "templating")}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "FALLBACK", "FOLLOWER_CHANGES", "MAIL_KINDS", "MAX_SMS_PARTS", "SMS_KINDS", "RenderedMail",
    "breach_reason", "case_context", "case_mailbox", "catalogue", "local_time", "normalise_language", "pick_language",
    "plural_category", "referral_mail", "render_mail", "render_report_mail", "render_sms", "reply_mail",
    "reply_sms_text", "thread_headers", "translate", "translate_count", "working_duration",
]
