"""Attachments: safe file names, content types that say what the bytes are, refusal reasons."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Set

from msgspec import Struct
from msgspec.structs import replace

from .model import Attachment

#: Longest file name kept (the extension survives the cut).
MAX_FILENAME_CHARS = 200

#: Extensions of files that run code when opened on a citizen's or an operator's computer.
DANGEROUS_EXTENSIONS = frozenset({
    "exe", "bat", "cmd", "com", "scr", "pif", "cpl", "msi", "msp", "mst", "dll", "sys", "drv",
    "ocx", "js", "jse", "vbs", "vbe", "vb", "wsf", "wsh", "wsc", "ws", "sct", "hta", "jar",
    "ps1", "ps1xml", "ps2", "psm1", "psd1", "psc1", "msh", "msh1", "msh2", "mshxml", "lnk",
    "inf", "reg", "scf", "url", "iso", "img", "vhd", "vhdx", "appx", "appxbundle", "msix",
    "application", "gadget", "chm", "hlp", "docm", "dotm", "xlsm", "xltm", "xlam", "pptm",
    "potm", "ppam", "ppsm", "sldm", "sh", "bash", "command", "app", "apk", "deb", "rpm",
    "elf", "run", "action", "workflow", "xll", "xbap", "settingcontent-ms",
    "library-ms", "one", "ade", "adp", "mde", "accde", "mda", "mdb", "ins",
    "isp", "job", "msc", "svg"})
# svg is listed because an SVG carries script; it is rare from citizens and easy to re-send.

#: Declared types that are executable whatever the name says.
DANGEROUS_TYPES = frozenset({
    "application/x-msdownload", "application/x-msdos-program", "application/x-dosexec",
    "application/x-executable", "application/x-ms-installer", "application/x-msi",
    "application/javascript", "application/x-javascript", "text/javascript",
    "application/x-sh", "application/x-shellscript", "application/hta",
    "application/x-ms-shortcut", "application/java-archive", "application/x-java-archive",
    "application/vnd.ms-word.document.macroenabled.12",
    "application/vnd.ms-excel.sheet.macroenabled.12",
    "application/vnd.ms-powerpoint.presentation.macroenabled.12", "text/vbscript",
    "application/x-vbscript", "application/x-iso9660-image", "image/svg+xml"})

_GENERATED_EXTENSIONS = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
    "image/heic": ".heic", "image/heif": ".heif", "image/tiff": ".tif", "image/bmp": ".bmp",
    "application/pdf": ".pdf", "application/zip": ".zip", "text/plain": ".txt",
    "text/html": ".html", "text/calendar": ".ics", "text/csv": ".csv",
    "text/rfc822-headers": ".txt", "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt", "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s", "application/pkcs7-mime": ".p7m",
    "application/ms-tnef": ".dat", "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "audio/mpeg": ".mp3", "video/mp4": ".mp4", "application/vnd.oasis.opendocument.text": ".odt",
}
_SNIFFED_BY_EXTENSION = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
    "pdf": "application/pdf", "heic": "image/heic", "webp": "image/webp", "txt": "text/plain",
    "doc": "application/msword", "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text", "mp4": "video/mp4", "eml": "message/rfc822",
}
_UNSAFE_CHARS_RE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_CONTENT_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
#: Content types of an attached (forwarded or returned) message.
MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})
#: Declared types that say nothing about the bytes; the bytes are sniffed instead.
_OCTET_STREAM_TYPES = frozenset({"application/octet-stream", "application/unknown",
                                 "binary/octet-stream", "application/x-download",
                                 "application/force-download", "application/binary"})


class Draft(Struct):
    """An attachment before the whole tree is known (``inline`` depends on the HTML)."""

    filename: str | None
    content_type: str
    data: bytes
    disposition: str | None
    content_id: str | None


def finish_drafts(drafts: Iterable[Draft], referenced_ids: Set[str],
                  max_attachment_bytes: int) -> tuple[Attachment, ...]:
    """The attachments of a mail, named, typed, hashed and judged.

    Parameters
    ----------
    drafts
        The attachments as the MIME walk found them, in order.
    referenced_ids
        Content ids (lower case) the mail's HTML shows; their parts count as inline.
    max_attachment_bytes
        Larger attachments are refused with ``"too_large"``.

    Examples
    --------
    >>> [photo] = finish_drafts([Draft(None, "application/octet-stream", b"\\xff\\xd8\\xff",
    ...                                None, "p1@x")], {"p1@x"}, 100)
    >>> photo.filename, photo.content_type, photo.inline, photo.refused
    ('attachment-1.jpg', 'image/jpeg', True, None)
    """
    result: list[Attachment] = []
    forwarded = 0
    for number, draft in enumerate(drafts, 1):
        content_type = clean_content_type(draft.content_type)
        if content_type in _OCTET_STREAM_TYPES:
            content_type = sniff_content_type(draft.data, draft.filename) or content_type
        filename = sanitise_filename(draft.filename)
        if filename is None:
            if content_type in MESSAGE_TYPES:
                forwarded += 1
                filename = generated_filename(content_type, forwarded)
            else:
                filename = generated_filename(content_type, number)
        size = len(draft.data)
        result.append(Attachment(
            filename=filename, content_type=content_type, size=size, data=draft.data,
            inline=draft.disposition == "inline", content_id=draft.content_id,
            sha256=hashlib.sha256(draft.data).hexdigest(),
            refused=refusal(filename, content_type, draft.data, size, max_attachment_bytes)))
    return tuple(_with_inline(a, referenced_ids) for a in result)


def _with_inline(attachment: Attachment, referenced: Set[str]) -> Attachment:
    if attachment.inline or not attachment.content_id:
        return attachment
    if attachment.content_id.lower() in referenced:
        return replace(attachment, inline=True)
    return attachment


def sanitise_filename(name: str | None) -> str | None:
    """A file name safe to show and store: no directories, control or bidi characters.

    Returns None when nothing usable is left (the caller generates a name).

    Examples
    --------
    >>> sanitise_filename("C:\\\\Users\\\\marko\\\\Слика 1.jpg")
    'Слика 1.jpg'
    >>> sanitise_filename("../../etc/passwd")
    'passwd'
    >>> sanitise_filename("racun\\u202egpj.exe")
    'racungpj.exe'
    >>> sanitise_filename(" .. ") is None
    True
    """
    if not name:
        return None
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name
                   if unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    name = _UNSAFE_CHARS_RE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name or set(name) <= {"_"}:
        return None
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[:MAX_FILENAME_CHARS - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:MAX_FILENAME_CHARS].rstrip(" .")
    return name


def generated_filename(content_type: str, number: int) -> str:
    """A name for an attachment that came without one.

    Examples
    --------
    >>> generated_filename("image/jpeg", 2), generated_filename("message/rfc822", 1)
    ('attachment-2.jpg', 'forwarded.eml')
    >>> generated_filename("application/x-whatever", 3)
    'attachment-3.bin'
    """
    if content_type in MESSAGE_TYPES:
        return "forwarded.eml" if number == 1 else f"forwarded-{number}.eml"
    return f"attachment-{number}{_GENERATED_EXTENSIONS.get(content_type, '.bin')}"


def clean_content_type(value: str | None, default: str = "application/octet-stream") -> str:
    """A lower-case ``type/subtype`` or ``default`` when the declared one is malformed.

    Examples
    --------
    >>> clean_content_type(" Image/JPEG "), clean_content_type("jpeg")
    ('image/jpeg', 'application/octet-stream')
    """
    value = (value or "").strip().lower()
    return value if _CONTENT_TYPE_RE.match(value) else default


def sniff_content_type(data: bytes, filename: str | None) -> str | None:
    """The type the bytes (or, failing that, the name) obviously have, or None.

    Examples
    --------
    >>> sniff_content_type(b"\\xff\\xd8\\xff\\xe0rest", None), sniff_content_type(b"?", "a.pdf")
    ('image/jpeg', 'application/pdf')
    """
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim"):
        return "image/heic"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"MZ"):
        return "application/x-msdownload"
    extension = _extension(filename)
    if extension in _SNIFFED_BY_EXTENSION:
        return _SNIFFED_BY_EXTENSION[extension]
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    return None


def refusal(filename: str, content_type: str, data: bytes, size: int,
            max_bytes: int) -> str | None:
    """Why an attachment is refused ("too_large", "dangerous_type", "encrypted_archive").

    Examples
    --------
    >>> refusal("racun.pdf.exe", "application/pdf", b"%PDF-1.4", 8, 1000)
    'dangerous_type'
    >>> refusal("slika.jpg", "image/jpeg", b"MZ\\x90\\x00" + bytes(60), 64, 1000)
    'dangerous_type'
    >>> refusal("slika.jpg", "image/jpeg", b"\\xff\\xd8\\xff", 3, 2)
    'too_large'
    >>> refusal("a.txt", "text/plain", b"MZ ok", 5, 9) is None
    True
    """
    if size > max_bytes:
        return "too_large"
    if _is_dangerous(filename, content_type, data):
        return "dangerous_type"
    if _is_encrypted_zip(data):
        return "encrypted_archive"
    return None


def _extension(filename: str | None) -> str:
    if not filename or "." not in filename:
        return ""
    return filename.rsplit(".", 1)[-1].strip().lower()


def _is_dangerous(filename: str, content_type: str, data: bytes) -> bool:
    if _extension(filename) in DANGEROUS_EXTENSIONS or content_type in DANGEROUS_TYPES:
        return True
    head = data[:64]
    if head.startswith(b"MZ") and (not content_type.startswith("text/") or _is_pe(data)):
        return True
    if head.startswith((b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf",
                        b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")):
        return True
    if head.startswith(b"L\x00\x00\x00\x01\x14\x02\x00"):  # Windows shortcut (.lnk)
        return True
    if head.startswith(b"#!") and not content_type.startswith("text/plain"):
        return True
    if len(data) > 0x8006 and data[0x8001:0x8006] == b"CD001":  # ISO 9660 image
        return True
    if head.startswith(b"PK\x03\x04") and (b"vbaProject.bin" in data or
                                           b"META-INF/MANIFEST.MF" in data):
        return True  # macro-enabled Office document or Java archive under another name
    return False


def _is_pe(data: bytes) -> bool:
    if len(data) < 64:
        return False
    offset = int.from_bytes(data[0x3C:0x40], "little")
    return 0 < offset < len(data) - 4 and data[offset:offset + 4] == b"PE\x00\x00"


def _is_encrypted_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04" and len(data) > 8 and bool(data[6] & 0x01)
