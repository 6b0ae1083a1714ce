"""Bounces: RFC 3464 delivery status notifications, and the common non-standard kind."""

from __future__ import annotations

import re

from .headers import clean_address, message_ids, normalise_space
from .model import Bounce

_MAX_DIAGNOSTIC_CHARS = 500
_STATUS_RE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE_RE = re.compile(r"(?:^|\s)([45][0-5]\d)[\s-]")
_QMAIL_RECIPIENT_RE = re.compile(r"^<([^<>\s]{1,254}@[^<>\s]{1,254})>:?\s*$", re.M)
_ADDRESS_RE = re.compile(r"[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}")
_DELAYED_RE = re.compile(r"delayed|will (?:be )?retr|still trying|not yet been delivered|"
                         r"odložen|zpožděn|забавен", re.I)
_DAEMON_RE = re.compile(r"^(?:mailer[-_.]?daemon|postmaster|mail[-_.]?daemon|mdaemon)(?:@|$)")
_BOUNCE_SUBJECT_RE = re.compile(
    r"undeliver|not delivered|delivery status notification|delivery fail|failure notice|"
    r"returned mail|mail delivery|delivery has failed|delivery problem|nedostavljiv|"
    r"nije isporučen|неуспешна испорука|није испоручен|nedoručitel|nedoručen|nedoruč|"
    r"недоставен|недоставено|не може да бъде доставено", re.I)


def from_mail(text: str, *, subject: str, from_address: str | None, return_path: str | None,
              failed_recipients: str | None, status_texts: list[str],
              returned: list[tuple[str | None, tuple[str, ...]]]) -> Bounce | None:
    """The Bounce a received mail is, or None when it is not one.

    A delivery status part decides; without one, a mail from a mailer daemon (or with the null
    return path ``""``) that looks like a bounce is read as a non-standard one.

    Parameters
    ----------
    text
        The mail's body text.
    subject, from_address, return_path, failed_recipients
        The mail's headers (``return_path`` as ``headers.parse_return_path`` gives it,
        ``failed_recipients`` the raw X-Failed-Recipients value).
    status_texts
        The text of each ``message/delivery-status`` part.
    returned
        (Message-ID, To addresses) of each returned message or header part.

    Examples
    --------
    >>> bounce = from_mail("<ana@primer.cz>:\\nSorry, no mailbox here by that name. (#5.1.1)",
    ...                    subject="failure notice", from_address="mailer-daemon@mx.example",
    ...                    return_path="", failed_recipients=None, status_texts=[],
    ...                    returned=[])
    >>> bounce.recipients, bounce.status
    (('ana@primer.cz',), '5.1.1')
    >>> from_mail("Lampa ne radi.", subject="Lampa", from_address="ana@primer.cz",
    ...           return_path="ana@primer.cz", failed_recipients=None, status_texts=[],
    ...           returned=[]) is None
    True
    """
    original_id = next((mid for mid, _ in returned if mid), None)
    original_to = next((to for _, to in returned if to), ())
    for status_text in status_texts:
        bounce = from_delivery_status(status_text, original_id)
        if bounce is not None:
            return bounce
    daemon = bool(from_address and _DAEMON_RE.match(from_address))
    if daemon:
        is_bounce = looks_like_bounce(subject, bool(returned))
    else:
        is_bounce = return_path == "" and looks_like_bounce(subject, False)
    if not is_bounce:
        return None
    return from_text(text, failed_recipients=failed_recipients, original_to=original_to,
                     original_message_id=original_id, ignore=(from_address or "",))


def parse_fields(text: str) -> list[list[tuple[str, str]]]:
    """Blocks of ``Name: value`` fields separated by blank lines (folding undone).

    Examples
    --------
    >>> parse_fields("Reporting-MTA: dns; a.b\\n\\nAction: failed\\nStatus: 5.1.1\\n")
    [[('reporting-mta', 'dns; a.b')], [('action', 'failed'), ('status', '5.1.1')]]
    """
    blocks: list[list[tuple[str, str]]] = []
    block: list[tuple[str, str]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if block:
                blocks.append(block)
                block = []
            continue
        if line[:1] in " \t" and block:
            name, value = block[-1]
            block[-1] = (name, f"{value} {line.strip()}"[:2000])
            continue
        name, colon, value = line.partition(":")
        if colon and name.strip() and " " not in name.strip():
            block.append((name.strip().lower(), value.strip()))
    if block:
        blocks.append(block)
    return blocks


def from_delivery_status(status_text: str, original_message_id: str | None) -> Bounce | None:
    """A Bounce from the text of a ``message/delivery-status`` part.

    Examples
    --------
    >>> bounce = from_delivery_status(
    ...     "Reporting-MTA: dns; a.b\\n\\nFinal-Recipient: rfc822; Nepostojeci@Grad.rs\\n"
    ...     "Action: failed\\nStatus: 5.1.1\\nDiagnostic-Code: smtp; 550 5.1.1 no such user\\n",
    ...     "abc@x")
    >>> bounce.recipients, bounce.status, bounce.permanent, bounce.diagnostic
    (('nepostojeci@grad.rs',), '5.1.1', True, 'smtp; 550 5.1.1 no such user')
    """
    blocks = parse_fields(status_text)
    recipients: list[str] = []
    primary: dict[str, str] | None = None
    for block in blocks[1:] if len(blocks) > 1 else blocks:
        fields = dict(block)
        recipient = _recipient(fields.get("final-recipient") or fields.get("original-recipient"))
        if recipient is None and "action" not in fields:
            continue
        if recipient and recipient not in recipients:
            recipients.append(recipient)
        action = fields.get("action", "").strip().lower()
        if primary is None or (action == "failed" and primary.get("action", "") != "failed"):
            primary = {**fields, "action": action}
    if primary is None:
        return None
    status_match = _STATUS_RE.search(primary.get("status", ""))
    status = status_match.group(0) if status_match else None
    action = primary.get("action") or ("failed" if status and status[0] == "5" else "failed")
    diagnostic = primary.get("diagnostic-code")
    return Bounce(recipients=tuple(recipients), action=action, status=status,
                  permanent=action == "failed" or bool(status and status[0] == "5"),
                  original_message_id=original_message_id,
                  diagnostic=_short(diagnostic) if diagnostic else None)


def looks_like_bounce(subject: str, has_returned_message: bool) -> bool:
    """Whether a mail from a mailer daemon is a bounce although it has no delivery status.

    Examples
    --------
    >>> looks_like_bounce("failure notice", False), looks_like_bounce("Hello", False)
    (True, False)
    """
    return has_returned_message or bool(_BOUNCE_SUBJECT_RE.search(subject or ""))


def from_text(text: str, *, failed_recipients: str | None, original_to: tuple[str, ...],
              original_message_id: str | None, ignore: tuple[str, ...] = ()) -> Bounce:
    """A Bounce read from the human-readable text of a non-standard bounce.

    Examples
    --------
    >>> bounce = from_text("Hi. This is the qmail-send program.\\n\\n<ana@primer.cz>:\\n"
    ...                    "Sorry, no mailbox here by that name. (#5.1.1)\\n",
    ...                    failed_recipients=None, original_to=(), original_message_id=None)
    >>> bounce.recipients, bounce.status, bounce.action
    (('ana@primer.cz',), '5.1.1', 'failed')
    """
    sample = text[:20000]
    recipients: list[str] = []
    for candidate in re.split(r"[,\s]+", failed_recipients or ""):
        address = clean_address(candidate)
        if address and "@" in address:
            recipients.append(address)
    if not recipients:
        recipients = [a.lower() for a in _QMAIL_RECIPIENT_RE.findall(sample)]
    if not recipients:
        for fields in parse_fields(sample):
            for name, value in fields:
                if name in ("final-recipient", "original-recipient"):
                    address = _recipient(value)
                    if address:
                        recipients.append(address)
    if not recipients:
        for line in sample.split("\n"):
            if _STATUS_RE.search(line) or _SMTP_CODE_RE.search(line):
                recipients += [a.lower() for a in _ADDRESS_RE.findall(line)]
    if not recipients:
        recipients = list(original_to)
    recipients = [a for a in dict.fromkeys(recipients) if a not in ignore]
    status_match = _STATUS_RE.search(sample)
    status = status_match.group(0) if status_match else None
    code_match = _SMTP_CODE_RE.search(sample)
    if status is None and code_match:
        status = f"{code_match.group(1)[0]}.0.0"
    delayed = (status or "").startswith("4") or (
        status is None and bool(_DELAYED_RE.search(sample)))
    diagnostic = None
    for line in sample.split("\n"):
        if (status and status in line) or (code_match and code_match.group(1) in line):
            diagnostic = _short(line)
            break
    action = "delayed" if delayed else "failed"
    return Bounce(recipients=tuple(recipients), action=action, status=status,
                  permanent=action == "failed", original_message_id=original_message_id,
                  diagnostic=diagnostic)


def message_id_from_headers(text: str) -> str | None:
    """The Message-ID in a block of returned headers (``text/rfc822-headers``).

    Examples
    --------
    >>> message_id_from_headers("From: a@b.c\\nMessage-ID:\\n <abc123@eu-central-1.ses>\\n")
    'abc123@eu-central-1.ses'
    """
    for block in parse_fields(text[:200000])[:1]:
        for name, value in block:
            if name == "message-id":
                ids = message_ids(value)
                return ids[0] if ids else None
    return None


def _recipient(value: str | None) -> str | None:
    if not value:
        return None
    address = clean_address(value.rsplit(";", 1)[-1])
    return address if address and "@" in address else None


def _short(text: str) -> str:
    return normalise_space(text)[:_MAX_DIAGNOSTIC_CHARS]
