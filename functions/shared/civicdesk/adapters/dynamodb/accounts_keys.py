"""The keys of citizen accounts (issue 16, item 4; ``accounts_items.py``, ``docs/data-model.md``
patterns 90-96): part of ``keys.py``, which re-exports every name here. An account's items are
keyed by the citizen pool's ``sub``, never by the address."""

from __future__ import annotations

ACCOUNT_PREFIX = "ACCOUNT#"
ACCOUNT_PROFILE_SK = "#PROFILE"
ACCOUNT_CASE_PREFIX = "CASE#"
ACCOUNT_FOLLOW_PREFIX = "FOLLOW#"
REGISTRY_COUNTER_SK = "#COUNTER"


def account_pk(sub: str) -> str:
    """``ACCOUNT#<sub>``: the profile, the cases filed and the cases followed of one account."""
    return f"{ACCOUNT_PREFIX}{sub}"


def account_case_sk(number: str) -> str:
    """``CASE#<number>``: a case the account filed; numbers sort in the order cases were
    opened, so the partition lists them in the order filed."""
    return f"{ACCOUNT_CASE_PREFIX}{number}"


def account_follow_sk(number: str) -> str:
    return f"{ACCOUNT_FOLLOW_PREFIX}{number}"


def registry_counter_pk(year: int) -> str:
    """``REGISTRY#<year>`` / ``#COUNTER``: the registry book's sequence of a year."""
    return f"REGISTRY#{year}"
