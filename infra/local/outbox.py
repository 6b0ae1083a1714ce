"""The local outbox: every mail CivicDesk sent through SES and every SMS it sent through SNS, as
files and as a JSON/HTML view.

Nothing leaves the machine: moto's SES accepts the mail and keeps it in memory. A capture thread
writes each accepted message once to ``<state>/outbox/<timestamp>-<id>.eml`` (the exact MIME that
was sent, openable in any mail client) and appends its envelope recipients to ``index.jsonl``
(one line per mail, so capturing one costs the same with ten mails in the outbox as with ten
thousand; an ``index.json`` of earlier versions is still read).
The views read the files, so mail sent before a restart stays visible.

SES replaces the ``Message-ID`` a sender sets with its own, ``<MessageId@region.amazonses.com>``
(the id ``SendEmail`` returned, which CivicDesk stores for threading); with
``message_id_domain`` the outbox does the same, so that a reply written to a captured mail
carries the ``In-Reply-To`` a citizen's would. Every header is listed in the views, the ones that
matter for threading and auto-replies (``Message-ID``, ``In-Reply-To``, ``References``,
``Reply-To``, ``Auto-Submitted``) also as fields of their own.

SMS are captured the same way from what moto's SNS accepted (``Publish`` to a phone number),
each once, to ``<state>/outbox/sms/<timestamp>-<id>.json``: the number, the text, the sender id
and the other message attributes, the case number the text mentions, and the encoding and number
of parts the text costs (``civicdesk.domain.sms.segments``).

The JSON view (``entries``) lists mail and SMS together, oldest first, each with a ``channel``
(``"email"`` or ``"sms"``) and ``to`` as a list, so a consumer that picks mails by
``address in entry["to"]`` never picks an SMS. The HTML view has a section for each, newest first.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path
from typing import Any, Callable

from infra.local.state import atomic_write

log = logging.getLogger("civicdesk.local")

#: ``20261121T223000123456Z-<SES message id>.eml``; the timestamp sorts oldest first.
_FILE_NAME = re.compile(r"^(?P<stamp>\d{8}T\d{12}Z)-(?P<id>[A-Za-z0-9._-]+)\.eml$")
_ID = re.compile(r"^[A-Za-z0-9._-]+$")
#: ``<timestamp>-<SNS message id>.json`` in the ``sms`` folder.
_SMS_FILE_NAME = re.compile(r"^(?P<stamp>\d{8}T\d{12}Z)-(?P<id>[A-Za-z0-9._-]+)\.json$")
SMS_FOLDER = "sms"
#: Each captured mail's envelope recipients, one JSON line per mail.
INDEX = "index.jsonl"
#: The header CivicDesk puts on every mail about a case.
CASE_HEADER = "X-CivicDesk-Case"


@dataclass(frozen=True)
class _Sent:
    """What the outbox needs of one message moto accepted, whatever API sent it."""

    id: str
    raw: bytes
    destinations: list[str]


class Outbox:
    """Captures sent mail and SMS into ``directory`` and lists them.

    ``source`` returns the messages SES has accepted so far (``aws.sent_messages`` in the
    runtime; a list in tests). Messages are recognised by their SES id, so each is written once.
    ``sms_source`` does the same for SNS (``aws.sent_sms``): SMS as mappings or objects with an
    ``id`` (or ``message_id``), ``to`` (or ``phone_number``), ``text`` (or ``message``) and
    optional ``attributes``; without it no SMS are captured, the ones on disk are still listed.

    ``on_mail(message_id, raw, destinations)`` is called once for each mail captured, after it is
    on disk and outside the outbox's lock (the runtime publishes the mail's SES events there,
    ``infra.local.ses_events``); an exception it raises is logged, the mail stays captured.
    """

    def __init__(self, directory: Path, source: Callable[[], list],
                 clock: Callable[[], float] = time.time, interval: float = 0.25,
                 message_id_domain: str | None = None,
                 sms_source: Callable[[], list] | None = None,
                 on_mail: Callable[[str, bytes, list[str]], Any] | None = None,
                 on_sms: Callable[[str, str], Any] | None = None):
        self.directory = Path(directory)
        self._on_mail = on_mail
        self._on_sms = on_sms  # (SNS message id, number) of each SMS captured
        self._fresh_sms: list[tuple[str, str]] = []
        self._fresh: list[_Sent] = []
        self._source = source
        self._sms_source = sms_source
        self._message_id_domain = message_id_domain
        self._clock = clock
        self._interval = interval
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_moment: datetime | None = None
        self._parsed: dict[str, dict] = {}
        self._parsed_sms: dict[str, dict] = {}
        self.directory.mkdir(parents=True, exist_ok=True)
        self._index: dict[str, dict] = self._load_index()
        self._sms_ids: set[str] = {match["id"] for match in map(
            _SMS_FILE_NAME.match, self._sms_file_names()) if match}

    # -- capture -------------------------------------------------------------------------------

    def capture(self) -> int:
        """Write every mail and SMS not captured yet; returns how many were new."""
        with self._lock:
            captured = self._capture_mail() + self._capture_sms()
            fresh, self._fresh = self._fresh, []
            fresh_sms, self._fresh_sms = self._fresh_sms, []
        for message_id, number in fresh_sms:
            try:
                self._on_sms(message_id, number)  # type: ignore[misc]
            except Exception:  # noqa: BLE001 - the SMS is captured; its delivery event is lost
                log.exception("outbox: after capturing SMS %s", message_id)
        for sent in fresh:
            try:
                self._on_mail(sent.id, sent.raw, list(sent.destinations))  # type: ignore[misc]
            except Exception:  # noqa: BLE001 - the mail is captured; its events are lost
                log.exception("outbox: after capturing mail %s", sent.id)
        return captured

    def _capture_mail(self) -> int:
        new = [sent for sent in map(_normalise, self._source())
               if sent is not None and sent.id not in self._index]
        for sent in new:
            stamp = self._next_stamp()
            name = f"{stamp}-{sent.id}.eml"
            raw = sent.raw
            if self._message_id_domain:
                raw = replace_message_id(raw, f"<{sent.id}@{self._message_id_domain}>")
            atomic_write(self.directory / name, raw)
            self._index[sent.id] = {"file": name, "at": _iso(stamp),
                                    "destinations": _addresses(sent.destinations)}
            if self._on_mail is not None:
                self._fresh.append(sent)
        if new:
            lines = "".join(json.dumps({"id": sent.id, **self._index[sent.id]},
                                       ensure_ascii=False) + "\n" for sent in new)
            with (self.directory / INDEX).open("ab") as stream:
                stream.write(lines.encode("utf-8"))
                stream.flush()
                os.fsync(stream.fileno())
        return len(new)

    def _capture_sms(self) -> int:
        if self._sms_source is None:
            return 0
        new = [sms for sms in map(_normalise_sms, self._sms_source())
               if sms is not None and sms["id"] not in self._sms_ids]
        for sms in new:
            stamp = self._next_stamp()
            record = _sms_record(sms, _iso(stamp))
            atomic_write(self.directory / SMS_FOLDER / f"{stamp}-{sms['id']}.json",
                         json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))
            self._sms_ids.add(sms["id"])
            if self._on_sms is not None:
                self._fresh_sms.append((sms["id"], str(sms.get("to") or "")))
        return len(new)

    def _next_stamp(self) -> str:
        # Strictly increasing, so file names order the mails even within one microsecond.
        moment = datetime.fromtimestamp(self._clock(), timezone.utc)
        if self._last_moment is not None and moment <= self._last_moment:
            moment = self._last_moment + timedelta(microseconds=1)
        self._last_moment = moment
        return moment.strftime("%Y%m%dT%H%M%S%fZ")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="civicdesk-outbox", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self.capture()
            except Exception:  # noqa: BLE001 - keep capturing; the next round may work
                log.exception("outbox: capture failed")

    def stop(self) -> None:
        """Stop the capture thread after one last capture."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.capture()

    # -- views ---------------------------------------------------------------------------------

    def entries(self) -> list[dict]:
        """Every captured mail and SMS, oldest first, each with its ``channel`` (the
        ``/_local/outbox`` JSON)."""
        return sorted(self.messages() + self.sms_messages(), key=lambda entry: entry["at"])

    def messages(self) -> list[dict]:
        """Every captured mail, oldest first."""
        with self._lock:
            files = sorted(p.name for p in self.directory.glob("*.eml"))
            entries = []
            for name in files:
                match = _FILE_NAME.match(name)
                if not match:
                    continue
                if name not in self._parsed:
                    self._parsed[name] = self._entry(match["id"], match["stamp"], name)
                entries.append(self._parsed[name])
            return entries

    def sms_messages(self) -> list[dict]:
        """Every captured SMS, oldest first."""
        with self._lock:
            entries = []
            for name in sorted(self._sms_file_names()):
                if not _SMS_FILE_NAME.match(name):
                    continue
                if name not in self._parsed_sms:
                    try:
                        self._parsed_sms[name] = json.loads(
                            (self.directory / SMS_FOLDER / name).read_bytes())
                    except ValueError:
                        log.warning("outbox: %s is unreadable; not listed", name)
                        continue
                entries.append(self._parsed_sms[name])
            return entries

    def _sms_file_names(self) -> list[str]:
        return [path.name for path in (self.directory / SMS_FOLDER).glob("*.json")]

    def raw(self, message_id: str) -> bytes | None:
        """The ``.eml`` of ``message_id``, or ``None``. Only names listed in the directory are
        opened, so an id cannot point outside it."""
        if not _ID.match(message_id):
            return None
        for path in self.directory.glob("*.eml"):
            match = _FILE_NAME.match(path.name)
            if match and match["id"] == message_id:
                return path.read_bytes()
        return None

    def _entry(self, message_id: str, stamp: str, name: str) -> dict:
        raw = (self.directory / name).read_bytes()
        message = BytesParser(policy=policy.default).parsebytes(raw)
        indexed = self._index.get(message_id, {})
        recipients = indexed.get("destinations") or _addresses(
            [value for header in ("To", "Cc") for value in message.get_all(header, [])])
        headers: dict[str, str] = {}
        for key, value in message.items():
            headers[key] = f"{headers[key]}, {value}" if key in headers else str(value)
        return {"channel": "email", "id": message_id, "at": indexed.get("at") or _iso(stamp),
                "from": str(message.get("From", "")), "to": recipients,
                "subject": str(message.get("Subject", "")),
                **{field: _header(message, name) for field, name in _THREADING_FIELDS},
                "headers": headers, "text": _text_of(message),
                "case_number": message.get(CASE_HEADER)}

    def _load_index(self) -> dict[str, dict]:
        index: dict[str, dict] = {}
        legacy = self.directory / "index.json"
        if legacy.is_file():
            try:
                index.update(json.loads(legacy.read_bytes()))
            except ValueError:
                log.warning("outbox: %s is unreadable; recipients fall back to the To header",
                            legacy)
        path = self.directory / INDEX
        if path.is_file():
            for line in path.read_bytes().splitlines():
                try:
                    entry = json.loads(line)
                    index[entry.pop("id")] = entry
                except (ValueError, KeyError, AttributeError):
                    # A line cut by a crash: that mail's recipients fall back to its To header.
                    continue
        return index


#: Fields of each view entry, with the header they show (``None`` when the mail has none).
_THREADING_FIELDS = (("message_id", "Message-ID"), ("in_reply_to", "In-Reply-To"),
                     ("references", "References"), ("reply_to", "Reply-To"),
                     ("auto_submitted", "Auto-Submitted"))


def _header(message: EmailMessage, name: str) -> str | None:
    value = message.get(name)
    return None if value is None else str(value)


def replace_message_id(raw: bytes, message_id: str) -> bytes:
    r"""``raw`` with its ``Message-ID`` header (folded lines included) replaced by
    ``message_id``, or with one added first; nothing else changes, byte for byte.

    Examples
    --------
    >>> replace_message_id(b"Subject: x\r\nMessage-ID:\r\n <a@b>\r\n\r\nbody", "<s@ses>")
    b'Subject: x\r\nMessage-ID: <s@ses>\r\n\r\nbody'
    >>> replace_message_id(b"Subject: x\n\nbody", "<s@ses>")
    b'Message-ID: <s@ses>\nSubject: x\n\nbody'
    """
    end = re.search(rb"\r?\n\r?\n", raw)
    head, rest = (raw[:end.start()], raw[end.start():]) if end else (raw, b"")
    newline = b"\r\n" if b"\r\n" in (head + rest[:2]) else b"\n"
    lines = head.splitlines(keepends=True)
    if lines and not lines[-1].endswith(b"\n"):
        lines[-1] += newline  # the blank line that follows is in ``rest``: re-split below
        trailing_added = True
    else:
        trailing_added = False
    header = b"Message-ID: " + message_id.encode("ascii") + newline
    kept, position, skipping = [], None, False
    for line in lines:
        if skipping and line[:1] in (b" ", b"\t"):
            continue
        skipping = False
        if line.lower().startswith(b"message-id:"):
            if position is None:
                position = len(kept)
            skipping = True
            continue
        kept.append(line)
    kept.insert(position if position is not None else 0, header)
    head = b"".join(kept)
    if trailing_added:
        head = head[:-len(newline)]
    return head + rest


def _normalise(sent: Any) -> _Sent | None:
    """moto keeps raw messages (``SendRawEmail``, SES v2 raw ``SendEmail``) with their MIME and
    simple ones (SES v2 simple content, v1 ``SendEmail``) as fields; both become MIME here."""
    message_id = getattr(sent, "id", None)
    if not message_id:
        return None  # bulk templated sends have no single id; CivicDesk does not use them
    raw = getattr(sent, "raw_data", None)
    if raw is not None:
        data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        return _Sent(message_id, data, list(sent.destinations))
    destinations = sent.destinations
    if isinstance(destinations, dict):
        destinations = [a for key in ("ToAddresses", "CcAddresses", "BccAddresses")
                        for a in destinations.get(key, [])]
    message = EmailMessage()
    message["From"] = sent.source
    message["To"] = ", ".join(destinations)
    template = getattr(sent, "template", "?")
    message["Subject"] = getattr(sent, "subject", None) or f"(template {template})"
    message.set_content(getattr(sent, "body", None) or getattr(sent, "template_data", "") or "")
    return _Sent(message_id, message.as_bytes(), list(destinations))


def _normalise_sms(sent: Any) -> dict | None:
    """``{"id", "to", "text", "attributes"}`` of what an SMS source returned (mappings, or
    objects such as moto's ``SMS``); ``None`` for what has no usable id or number."""
    def get(*names: str) -> Any:
        for name in names:
            value = sent.get(name) if isinstance(sent, dict) else getattr(sent, name, None)
            if value is not None:
                return value
        return None

    message_id, number = get("id", "message_id"), get("to", "phone_number")
    if not message_id or not _ID.fullmatch(str(message_id)) or not number:
        return None  # SNS ids are UUIDs: anything else cannot name a file safely
    attributes = {}
    for name, value in (get("attributes", "message_attributes") or {}).items():
        if isinstance(value, dict):  # moto's {"Type", "Value"} or the API's {"DataType", ...}
            value = value.get("Value", value.get("StringValue", value.get("BinaryValue")))
        attributes[str(name)] = value if value is None or isinstance(value, str) else str(value)
    return {"id": str(message_id), "to": str(number), "text": str(get("text", "message") or ""),
            "attributes": attributes}


def _sms_record(sms: dict, at: str) -> dict:
    """The file (and view entry) of one captured SMS."""
    from civicdesk.domain.sms import find_case_number, segments

    encoding, parts = segments(sms["text"])
    attributes = sms["attributes"]
    return {"channel": "sms", "id": sms["id"], "at": at, "to": [sms["to"]], "text": sms["text"],
            "sender_id": attributes.get("AWS.SNS.SMS.SenderID"),
            "sms_type": attributes.get("AWS.SNS.SMS.SMSType"), "attributes": attributes,
            "case_number": find_case_number(sms["text"]), "encoding": encoding,
            "segments": parts, "characters": len(sms["text"])}


def _addresses(values: list[str]) -> list[str]:
    """Bare addresses, each once, in order (moto lists the envelope and the header ones)."""
    found = [address for _, address in getaddresses([str(v) for v in values]) if address]
    return list(dict.fromkeys(found))


def _text_of(message: EmailMessage) -> str:
    """The decoded text/plain part, with ``\n`` line ends whatever the MIME used."""
    body = message.get_body(preferencelist=("plain",))
    if body is None:
        return ""
    try:
        text = body.get_content()
    except (LookupError, ValueError):  # an unknown charset: show what can be shown
        text = body.get_payload(decode=True).decode("utf-8", "replace")
    return text.replace("\r\n", "\n")


def _iso(stamp: str) -> str:
    moment = datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def render_html(entries: list[dict]) -> str:
    """A plain page with a section for the mails and one for the SMS, each newest first; every
    value is escaped. ``entries`` as ``Outbox.entries`` lists them (an entry without a
    ``channel`` is a mail)."""
    e = html.escape
    mails = [entry for entry in entries if entry.get("channel", "email") != "sms"]
    texts = [entry for entry in entries if entry.get("channel") == "sms"]
    mail_rows = []
    for mail in reversed(mails):
        case = f" &middot; case {e(mail['case_number'])}" if mail.get("case_number") else ""
        mail_rows.append(
            f'<article><h3>{e(mail["subject"]) or "(no subject)"}</h3>'
            f'<p class="meta">{e(mail["at"])}{case}<br>From: {e(mail["from"])}<br>'
            f'To: {e(", ".join(mail["to"]))}<br>'
            + "".join(f"{e(name)}: {e(mail[field])}<br>" for field, name in _THREADING_FIELDS
                      if mail.get(field)) +
            f'<a href="/_local/outbox/{e(mail["id"])}.eml">{e(mail["id"])}.eml</a></p>'
            f"<pre>{e(mail['text'])}</pre></article>")
    sms_rows = []
    for sms in reversed(texts):
        case = f" &middot; case {e(sms['case_number'])}" if sms.get("case_number") else ""
        others = {name: value for name, value in (sms.get("attributes") or {}).items()
                  if name not in ("AWS.SNS.SMS.SenderID", "AWS.SNS.SMS.SMSType")}
        sms_rows.append(
            f'<article><h3>To {e(", ".join(sms["to"]))}</h3>'
            f'<p class="meta">{e(sms["at"])}{case}<br>'
            f'Sender ID: {e(sms.get("sender_id") or "(none)")}<br>'
            f'SMS type: {e(sms.get("sms_type") or "(not set)")}<br>'
            + "".join(f"{e(name)}: {e(str(value))}<br>" for name, value in others.items()) +
            f'{e(str(sms.get("encoding")))}, {e(str(sms.get("segments")))} part(s), '
            f'{e(str(sms.get("characters", len(sms.get("text", "")))))} characters<br>'
            f'{e(sms["id"])}</p><pre>{e(sms.get("text", ""))}</pre></article>')
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>CivicDesk local outbox</title><style>"
            "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
            "article{border-top:1px solid #ccc;padding:.5rem 0}h3{font-size:1.1rem;margin:.5rem 0}"
            ".meta{color:#555;font-size:.9rem}pre{white-space:pre-wrap;background:#f6f6f6;"
            "padding:.75rem}</style></head><body>"
            f"<h1>Outbox ({len(mails)} mail, {len(texts)} SMS)</h1>"
            "<p>Mail and SMS CivicDesk sent while running locally; nothing left this machine. "
            "JSON: <a href=\"/_local/outbox\">/_local/outbox</a> &middot; "
            "<a href=\"#mail\">mail</a> &middot; <a href=\"#sms\">SMS</a></p>"
            f'<section id="mail"><h2>Mail ({len(mails)})</h2>'
            f'{"".join(mail_rows) or "<p>No mail sent yet.</p>"}</section>'
            f'<section id="sms"><h2>SMS ({len(texts)})</h2>'
            f'{"".join(sms_rows) or "<p>No SMS sent yet.</p>"}</section></body></html>')
