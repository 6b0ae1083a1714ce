"""A case's entries in the indexes that find it: its words (``TERM#``), its requester's
contacts (``REQUESTER#``) and its place (the ``GSI6`` keys on the case item itself).

All three are derived from the case alone, so the write that stores a case writes them in the
same transaction, and the one that deletes it removes them (``docs/data-model.md``, "Finding
cases")."""

from __future__ import annotations

from ...domain.cases import Case
from ...domain.geohash import encode
from ...domain.search_terms import distinct_words, phone_key
from .keys import geo_pk, geo_sk, requester_pk, term_pk, term_sk
from .search_items import RequesterEntryItem, SearchTermItem

#: The most words of one case that are indexed (the requester's name, subject and address
#: first, then the description in order): a case's transaction holds at most 100 items.
MAX_TERMS = 60


def indexed_words(case: Case) -> list[str]:
    """The folded words a case is found by, its registry number's one word first (if any)."""
    contact, location = case.contact, case.location
    found = distinct_words(contact.name if contact else None, case.subject,
                           location.address if location else None, case.description,
                           limit=MAX_TERMS)
    if case.registry_number:
        from ...domain.accounts import registry_term

        term = registry_term(case.registry_number)
        return [term, *(word for word in found if word != term)]
    return found


def contact_value(kind: str, value: str) -> str:
    """What a contact's entry key is made of: a phone number's last digits (``phone_key``: the
    public form stores a number as typed, operators' intake in E.164), an address in lower case."""
    return phone_key(value) if kind == "phone" else value.strip().lower()


def requester_contacts(case: Case) -> list[tuple[str, str]]:
    """``(kind, value)`` of each contact the requester is found by (``contact_value``)."""
    contact = case.contact
    found = []
    if contact and contact.phone and phone_key(contact.phone):
        found.append(("phone", phone_key(contact.phone)))
    if contact and contact.email:
        found.append(("email", contact.email.strip().lower()))
    return found


def search_items(case: Case) -> list:
    """Every ``TERM#`` and ``REQUESTER#`` item of the case (none once it is deleted)."""
    if case.deleted:
        return []
    return [*(SearchTermItem(PK=term_pk(word), SK=term_sk(word, case.number), number=case.number)
              for word in indexed_words(case)),
            *(RequesterEntryItem(PK=requester_pk(kind, value), SK=case.number,
                                 number=case.number, kind=kind)
              for kind, value in requester_contacts(case))]


def search_item_keys(case: Case) -> list:
    """The same items by key only (to delete them with the case)."""
    return [*(SearchTermItem(PK=term_pk(word), SK=term_sk(word, case.number))
              for word in indexed_words(case)),
            *(RequesterEntryItem(PK=requester_pk(kind, value), SK=case.number)
              for kind, value in requester_contacts(case))]


def geo_keys(case: Case) -> dict:
    """The case item's keys of the geo index: a point, and not deleted."""
    location = case.location
    if case.deleted or location is None or location.lat is None or location.lon is None:
        return {}
    geohash = encode(location.lat, location.lon)
    return {"GSI6PK": geo_pk(geohash), "GSI6SK": geo_sk(geohash, case.number)}


def search_digest(case: Case) -> str | None:
    """A short hash of the case's search entries' keys, kept on the case item: a change whose
    case has another digest than the stored one rewrites the entries' difference
    (``DynamoCaseRepository.save_change``). ``None`` once deleted (no entries)."""
    if case.deleted:
        return None
    from hashlib import sha256

    keys = sorted(f"{item.PK}\n{item.SK}" for item in search_items(case))
    return sha256("\n".join(keys).encode()).hexdigest()[:16]


def search_entry_changes(before: Case, after: Case) -> tuple[list, list]:
    """``(puts, deletes)`` that turn ``before``'s search entries into ``after``'s."""
    old = {(item.PK, item.SK): item for item in search_item_keys(before)}
    new = {(item.PK, item.SK): item for item in search_items(after)}
    return ([item for key, item in new.items() if key not in old],
            [item for key, item in old.items() if key not in new])
