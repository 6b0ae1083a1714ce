"""Contact lists that administrators import: reading the CSV file, checking it row by row and
merging the rows that name the same person (``docs/audiences.md``).

The file is what a spreadsheet writes: UTF-8 with or without a byte order mark, the fields
separated by ``;`` (Excel in Serbia, Bulgaria and Czechia, where ``,`` is the decimal sign) or
``,`` (elsewhere) or a tab; the first line names the columns, in any of the five languages or
English, in any order and letter case (``Е-пошта``, ``e-mail``, ``Telefon`` ...). Columns that
are none of the five are ignored (and reported).

Checking never stops at the first problem: every error is listed with its row (the file's line
number, the header being row 1), its column and a reason code (translated by the edge from the
``audience_row_<code>`` catalogue texts). Rows that name the same person are merged: the
first row that names an e-mail address or a phone number keeps the contact, and a later row with
the same e-mail address (in any letter case) or the same number (once written as E.164) adds
only what the first lacked (a name, a number, a language, an area); each merge is reported with
the row it went into and why (``email`` or ``phone``).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Callable, Iterable, Mapping

from msgspec import Struct, field
from msgspec.structs import replace

#: The columns of a contact list, in the order of the file this module writes back.
COLUMNS = ("name", "email", "phone", "language", "area")

#: Header names per column (folded: lower case, no diacritics, no spaces, dashes or dots), in
#: the five languages and English.
_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "firstandlastname", "ime", "imeiprezime", "име", "имеипрезиме",
             "имеифамилия", "jmeno", "jmenoaprijmeni", "prijmeniajmeno", "naziv", "назив"),
    "email": ("email", "emailaddress", "mail", "e-pošta", "emailadresa",
              "adresaeposte", "мејл", "имејл", "епошта", "адресаепоште", "имейл",
              "електроннапоща", "емайл", "emailovaadresa", "mejl"),
    "phone": ("phone", "phonenumber", "telephone", "mobile", "mobilephone", "tel", "telefon",
              "brojtelefona", "mobilni", "mobilnitelefon", "телефон", "бројтелефона", "мобилни",
              "мобилнителефон", "тел", "телефоненномер", "мобиленномер", "мобилен",
              "telefonnicislo", "mobil", "cislo"),
    "language": ("language", "lang", "jezik", "језик", "език", "jazyk"),
    "area": ("area", "district", "neighbourhood", "neighborhood", "podrucje", "подручје",
             "mesnazajednica", "месназаједница", "oblast", "област", "район", "квартал",
             "kvart", "четврт", "ctvrt", "mestskacast", "cast"),
}

#: The largest file an import reads (the request body carries it, ``docs/audiences.md``).
MAX_IMPORT_BYTES = 5 * 1024 * 1024
#: The most rows one import reads (beyond, the file is refused: split it).
MAX_IMPORT_ROWS = 50_000
MAX_NAME = 200

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
                    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_FOLD_DROP = re.compile(r"[\s\-_.·/]+")


def fold(text: str) -> str:
    """A header or a name as compared: lower case, no diacritics, no spaces or punctuation.

    >>> fold(" E-Pošta "), fold("Telefonní číslo"), fold("Име и презиме")
    ('eposta', 'telefonnicislo', 'имеипрезиме')
    """
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    # Drop combining marks of Latin letters only: Cyrillic й and ё keep theirs.
    kept = "".join(ch for i, ch in enumerate(decomposed)
                   if not (unicodedata.combining(ch) and i and decomposed[i - 1].isascii()))
    return _FOLD_DROP.sub("", unicodedata.normalize("NFC", kept))


_HEADER_OF = {fold(name): column for column, names in _HEADERS.items() for name in names}


def is_email(text: str) -> bool:
    """Whether ``text`` is an e-mail address a mail server would accept (syntax only).

    >>> is_email("petar.petrovic@example.rs"), is_email("petar@"), is_email("a b@example.rs")
    (True, False, False)
    """
    return len(text) <= 254 and bool(_EMAIL.match(text)) and len(text.split("@")[0]) <= 64


class RowError(Struct, frozen=True):
    """One problem of the file: ``row`` the file's line (1: the header), ``column`` one of
    ``COLUMNS`` (``None``: the row or the file as a whole), ``code`` the reason."""

    row: int
    column: str | None
    code: str
    params: Mapping[str, str] = field(default_factory=dict)


class Contact(Struct, frozen=True):
    """A checked contact: ``email`` as written (compared in lower case), ``phone`` E.164,
    ``language`` one of the municipality's, ``area`` an area id of the configuration."""

    row: int
    name: str
    email: str | None
    phone: str | None
    language: str
    area: str | None


class Merge(Struct, frozen=True):
    """Row ``row`` named the person of row ``into_row`` (same ``by``: ``email`` or ``phone``)."""

    row: int
    into_row: int
    by: str


class CheckedFile(Struct, frozen=True):
    """A file read and checked: the contacts after merging, every error, every merge, the
    rows read (without the header and blank lines) and the ignored columns' headers."""

    contacts: tuple[Contact, ...]
    errors: tuple[RowError, ...]
    merges: tuple[Merge, ...]
    rows: int
    ignored_columns: tuple[str, ...] = ()

    @property
    def invalid_rows(self) -> int:
        return len({e.row for e in self.errors if e.row > 1})

    @property
    def file_errors(self) -> tuple[RowError, ...]:
        """Errors of the file itself (its header, its size): nothing can be imported."""
        return tuple(e for e in self.errors if e.row <= 1)


class Checks(Struct, frozen=True):
    """What a row is checked against: the municipality's languages (the first of
    ``languages`` when a row names none: its default), its areas (id -> names in every
    language), and ``phone`` that writes a number as E.164 (``None``: not a valid number)."""

    languages: tuple[str, ...]
    default_language: str
    areas: Mapping[str, Mapping[str, str]]
    phone: Callable[[str], str | None]


def decode(data: bytes) -> str | None:
    """The file's text: UTF-8 with or without a byte order mark; ``None`` when not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def delimiter_of(header_line: str) -> str:
    """The separator of a file by its header line: ``;``, ``,`` or a tab, whichever is most
    frequent outside quotes (``,`` on a tie: a one-column file).

    >>> delimiter_of("Ime;E-pošta;Telefon"), delimiter_of('"Name, full",Email'), delimiter_of("a\\tb")
    (';', ',', '\\t')
    """
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {sep: outside.count(sep) for sep in (";", ",", "\t")}
    best = max(counts.values())
    return next((sep for sep in (";", "\t") if counts[sep] == best and best), ",")


def check_file(text: str, checks: Checks) -> CheckedFile:
    """Read the CSV ``text``, check every row and merge the duplicates (module docstring)."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        return CheckedFile((), (RowError(1, None, "empty_file"),), (), 0)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter_of(first))
    errors: list[RowError] = []
    try:
        header = next(reader)
    except csv.Error:
        return CheckedFile((), (RowError(1, None, "unreadable"),), (), 0)
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        column = _HEADER_OF.get(fold(name))
        if column is None or column in positions:
            if name.strip():
                ignored.append(name.strip())
            continue
        positions[column] = index
    if "email" not in positions and "phone" not in positions:
        return CheckedFile((), (RowError(1, None, "no_address_column"),), (), 0,
                           tuple(ignored))
    contacts: list[Contact] = []
    rows = 0
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            rows += 1
            if rows > MAX_IMPORT_ROWS:
                return CheckedFile((), (RowError(1, None, "too_many_rows",
                                                 {"max": str(MAX_IMPORT_ROWS)}),), (), rows)
            line = reader.line_num
            cells = {column: (values[i].strip() if i < len(values) else "")
                     for column, i in positions.items()}
            contact, found = check_row(line, cells, checks)
            errors.extend(found)
            if contact is not None:
                contacts.append(contact)
    except csv.Error:
        errors.append(RowError(reader.line_num, None, "unreadable"))
    merged, merges = merge_duplicates(contacts)
    return CheckedFile(tuple(merged), tuple(errors), tuple(merges), rows, tuple(ignored))


def check_row(row: int, cells: Mapping[str, str], checks: Checks
              ) -> tuple[Contact | None, list[RowError]]:
    """The contact of one row, or ``None`` and why not (every reason)."""
    errors: list[RowError] = []
    name = cells.get("name", "")
    if len(name) > MAX_NAME:
        errors.append(RowError(row, "name", "too_long", {"max": str(MAX_NAME)}))
    email = cells.get("email", "") or None
    if email is not None and not is_email(email):
        errors.append(RowError(row, "email", "invalid_email"))
    raw_phone = cells.get("phone", "")
    phone = None
    if raw_phone:
        phone = checks.phone(raw_phone)
        if phone is None:
            errors.append(RowError(row, "phone", "invalid_phone"))
    if not email and not raw_phone:
        errors.append(RowError(row, None, "no_address"))
    language = _language(cells.get("language", ""), checks)
    if language is None:
        errors.append(RowError(row, "language", "unknown_language",
                               {"allowed": ", ".join(checks.languages)}))
    area = _area(cells.get("area", ""), checks)
    if area == "":
        errors.append(RowError(row, "area", "unknown_area"))
    if errors:
        return None, errors
    return Contact(row, name, email, phone, str(language), area or None), []


def _language(value: str, checks: Checks) -> str | None:
    if not value:
        return checks.default_language
    wanted = value.replace("_", "-").lower()
    return next((lang for lang in checks.languages if lang.lower() == wanted), None)


def _area(value: str, checks: Checks) -> str | None:
    """The area id ``value`` names (by id or by its name in any language); ``""`` when it
    names none, ``None`` when empty."""
    if not value:
        return None
    if value in checks.areas:
        return value
    wanted = fold(value)
    for area_id, names in checks.areas.items():
        if fold(area_id) == wanted or any(fold(n) == wanted for n in names.values()):
            return area_id
    return ""


def merge_duplicates(contacts: Iterable[Contact]) -> tuple[list[Contact], list[Merge]]:
    """Merge the contacts that share an e-mail address (any letter case) or a phone number:
    the first keeps the contact, a later one fills only what it lacks (module docstring).

    >>> a = Contact(2, "Ana", "ana@example.rs", None, "en", None)
    >>> b = Contact(3, "", "ANA@example.rs", "+381641234567", "en", "centre")
    >>> c = Contact(4, "Ana P.", None, "+381641234567", "en", None)
    >>> merged, merges = merge_duplicates([a, b, c])
    >>> [(m.row, m.name, m.phone, m.area) for m in merged]
    [(2, 'Ana', '+381641234567', 'centre')]
    >>> [(m.row, m.into_row, m.by) for m in merges]
    [(3, 2, 'email'), (4, 2, 'phone')]
    """
    kept: list[Contact] = []
    by_email: dict[str, int] = {}
    by_phone: dict[str, int] = {}
    merges: list[Merge] = []
    for contact in contacts:
        email = contact.email.lower() if contact.email else None
        index, by = None, ""
        if email is not None and email in by_email:
            index, by = by_email[email], "email"
        elif contact.phone is not None and contact.phone in by_phone:
            index, by = by_phone[contact.phone], "phone"
        if index is None:
            index = len(kept)
            kept.append(contact)
        else:
            first = kept[index]
            kept[index] = replace(first, name=first.name or contact.name,
                                  email=first.email or contact.email,
                                  phone=first.phone or contact.phone,
                                  area=first.area or contact.area)
            merges.append(Merge(contact.row, first.row, by))
        now = kept[index]
        if now.email:
            by_email.setdefault(now.email.lower(), index)
        if now.phone:
            by_phone.setdefault(now.phone, index)
    return kept, merges
