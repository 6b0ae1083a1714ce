"""Properties of parse_mail: whatever the bytes, it returns a ParsedMail and never raises."""

from __future__ import annotations

import hashlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicdesk.mailparse import ParsedMail, parse_mail
from civicdesk.mailparse.autoreply import REASONS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
FIXTURE_NAMES = sorted(path.name for path in FIXTURES.glob("*.eml"))
LANGUAGES = {None, "sr-Cyrl", "sr-Latn", "bg", "cs", "en"}

PROPERTY_SETTINGS = settings(max_examples=4000, deadline=2000,
                             suppress_health_check=[HealthCheck.too_slow,
                                                    HealthCheck.data_too_large])


def load_mail(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def assert_well_formed(mail: ParsedMail) -> None:
    """Every field has its type, and every string can be stored as UTF-8."""
    assert isinstance(mail, ParsedMail)
    texts = [mail.subject, mail.text, mail.new_text, *mail.defects, *mail.to, *mail.cc,
             *mail.reply_to, *mail.in_reply_to, *mail.references]
    texts += [value for value in (mail.message_id, mail.from_address, mail.from_name,
                                  mail.return_path, mail.content_language, mail.html)
              if value is not None]
    for text in texts:
        assert isinstance(text, str)
        text.encode("utf-8")  # no lone surrogates
    assert len(mail.text) <= 200_000 and len(mail.new_text) <= 200_000
    assert mail.date is None or mail.date.tzinfo is not None
    assert set(mail.auto_generated) <= set(REASONS)
    assert mail.language in LANGUAGES
    for item in mail.attachments:
        assert item.filename and "/" not in item.filename and "\\" not in item.filename
        assert len(item.filename) <= 200 and item.filename.isprintable()
        assert item.size == len(item.data)
        assert item.sha256 == hashlib.sha256(item.data).hexdigest()
        assert item.refused in (None, "too_large", "dangerous_type", "encrypted_archive")
    if mail.bounce is not None:
        assert all(isinstance(address, str) for address in mail.bounce.recipients)


@PROPERTY_SETTINGS
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_never_raise(raw):
    assert_well_formed(parse_mail(raw))


@st.composite
def mutated_fixtures(draw):
    """A real fixture with random byte flips, cuts, duplications and insertions."""
    raw = bytearray(load_mail(draw(st.sampled_from(FIXTURE_NAMES))))
    for _ in range(draw(st.integers(1, 8))):
        if not raw:
            break
        kind = draw(st.sampled_from(["flip", "truncate", "duplicate", "insert", "delete"]))
        position = draw(st.integers(0, len(raw) - 1))
        if kind == "flip":
            raw[position] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del raw[position:]
        elif kind == "duplicate":
            end = min(len(raw), position + draw(st.integers(1, 400)))
            raw[position:position] = raw[position:end] * draw(st.integers(1, 20))
        elif kind == "insert":
            raw[position:position] = draw(st.sampled_from([
                b"\r\n", b"\r\n\r\n", b"--", b"=?utf-8?B?", b"?=", b"Content-Type: multipart/mixed;"
                b" boundary=x\r\n", b"\r\n--x\r\n", b"\x00", b"\xff\xfe", b"<div>", b"&",
                b"charset=", b"filename*0*=", b"\"", b";", b"Content-Type: message/rfc822\r\n",
                draw(st.binary(min_size=1, max_size=64))]))
        else:
            end = min(len(raw), position + draw(st.integers(1, 200)))
            del raw[position:end]
    return bytes(raw)


@PROPERTY_SETTINGS
@given(mutated_fixtures())
def test_mutated_fixtures_never_raise(raw):
    assert_well_formed(parse_mail(raw))


HEADER_NAMES = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To",
                "References", "Return-Path", "Auto-Submitted", "Precedence", "List-Id",
                "X-Auto-Response-Suppress", "Content-Language", "Reply-To", "Sender"]
CONTENT_TYPES = ["text/plain", "text/html", "image/jpeg", "application/octet-stream",
                 "message/rfc822", "message/delivery-status", "text/rfc822-headers",
                 "application/pdf", "text/calendar", "bogus"]
CHARSETS = ["utf-8", "windows-1251", "koi8-r", "iso-8859-5", "windows-1250", "iso-8859-2",
            "us-ascii", "iso-8859-1", "x-unknown", "windows-1251x", "utf-16", "base64", ""]
ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "binary", "bogus"]
MULTIPART_TYPES = ["mixed", "alternative", "related", "report; report-type=delivery-status",
                   "signed", "digest"]


@st.composite
def mime_trees(draw, depth=0):
    """Structurally plausible MIME with random headers, charsets, encodings and bodies."""
    if depth < 4 and draw(st.booleans()):
        boundary = f"b{depth}{draw(st.integers(0, 99))}"
        children = draw(st.lists(mime_trees(depth + 1), min_size=0, max_size=4))
        head = f"Content-Type: multipart/{draw(st.sampled_from(MULTIPART_TYPES))}; " \
               f"boundary=\"{boundary}\"\r\n\r\n"
        body = b"".join(f"--{boundary}\r\n".encode() + child for child in children)
        closing = f"--{boundary}--\r\n".encode() if draw(st.booleans()) else b""
        return head.encode() + body + closing
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    charset = draw(st.sampled_from(CHARSETS))
    head = (f"Content-Type: {content_type}; charset={charset}; "
            f"name=\"{draw(st.sampled_from(['a.exe', 'слика.jpg', '', '=?utf-8?B?0KQ=?=']))}\"\r\n"
            f"Content-Transfer-Encoding: {draw(st.sampled_from(ENCODINGS))}\r\n"
            f"Content-Disposition: {draw(st.sampled_from(['inline', 'attachment', 'x']))}\r\n"
            f"Content-ID: <{draw(st.integers(0, 5))}@x>\r\n\r\n").encode()
    text = draw(st.text(max_size=200))
    body = draw(st.one_of(st.binary(max_size=300),
                          st.just(text.encode("utf-8", "surrogatepass")),
                          st.just(b"<p>" + text.encode("utf-8", "surrogatepass") + b"</p>")))
    return head + body + b"\r\n"


@st.composite
def mime_messages(draw):
    headers = b"".join(
        f"{draw(st.sampled_from(HEADER_NAMES))}: ".encode() + draw(st.one_of(
            st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass")),
            st.sampled_from([b"<>", b"<abc@x>", b"=?utf-8?Q?=C5=A1?=", b"auto-replied",
                             b"bulk", b"All", b"a@b.c, \"X\" <y@z.w>", b"MAILER-DAEMON@x"]))
        ).replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n"
        for _ in range(draw(st.integers(0, 8))))
    return headers + draw(mime_trees())


@PROPERTY_SETTINGS
@given(mime_messages())
def test_random_mime_trees_never_raise(raw):
    assert_well_formed(parse_mail(raw, max_attachment_bytes=100))
