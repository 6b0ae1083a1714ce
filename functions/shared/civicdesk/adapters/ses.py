"""Sending mail through Amazon SES (v2 API, raw MIME so every header is ours)."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from ..domain.mail import OutgoingMail

_POLICY = policy.SMTP.clone(max_line_length=998)


def build_mime(mail: OutgoingMail, domain: str) -> EmailMessage:
    """The RFC 5322 message for ``mail`` (UTF-8, quoted-printable text part, CRLF).

    Lines may be long (up to RFC 5322's 998): the standard library's folding at 78 loses the
    space between encoded words of a long Cyrillic subject on Python 3.11.
    """
    message = EmailMessage(policy=_POLICY)
    message["From"] = formataddr((mail.sender_name, mail.sender))
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    # SES replaces this Message-ID with its own; it is kept only for mail sent elsewhere.
    message["Message-ID"] = make_msgid(domain=domain)
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    message.set_content(mail.text, charset="utf-8", cte="quoted-printable")
    # After the content: set_content() deletes every Content-* header (Content-Language).
    for name, value in mail.headers.items():
        message[name] = value
    return message


class SesMailer:
    """``Mailer`` port over SES v2 ``SendEmail``; returns the Message-ID SES assigned.

    The client is built on first send (``client_factory``), so requests that send nothing never
    pay for creating it.
    """

    def __init__(self, client_factory, mail_domain: str, configuration_set: str | None = None):
        self._client_factory = client_factory
        self._domain = mail_domain
        self._configuration_set = configuration_set

    def send(self, mail: OutgoingMail) -> str:
        raw = build_mime(mail, self._domain).as_bytes()
        params = {"FromEmailAddress": mail.sender, "Destination": {"ToAddresses": list(mail.to)},
                  "Content": {"Raw": {"Data": raw}}}
        if self._configuration_set:
            params["ConfigurationSetName"] = self._configuration_set
        response = self._client_factory().send_email(**params)
        # SES answers the bare id; the Message-ID header it wrote is <id@region.amazonses.com>.
        return response["MessageId"]
