"""Every key of the cases table, and nothing else builds one.

Item kinds and the indexes they appear in are in ``items`` and ``table``; the keys of each and
the access patterns they serve are listed in ``docs/data-model.md``.
"""

from __future__ import annotations

from datetime import date, datetime

from ...domain.cases import OPEN_STATUSES, Status
from ...domain.delivery import address_key

CASE_PREFIX = "CASE#"
CASE_SK = "#CASE"
COUNTER_SK = "#COUNTER"
IDEMPOTENCY_SK = "#IDEMPOTENCY"
INBOUND_SK = "#INBOUND"
MESSAGE_ID_PREFIX = "MSGID#"
MESSAGE_ID_SK = "#MSGID"
RATE_SK = "#RATE"
PENDING_LINK_SK = "PENDING#tracking_link"
QUARANTINE_PK = "QUARANTINE"
CONFIG_PK, CONFIG_SK = "CONFIG", "MUNICIPALITY"
RECIPIENT_PREFIX = "RECIPIENT#"
RECIPIENT_SK = "#RECIPIENT"

#: GSI3's partitions: every case of the municipality, and the soft-deleted ones apart.
ALL_CASES_PK = "CASES"
DELETED_CASES_PK = "DELETED"
#: GSI3's partition of suppressed addresses (the index's other partitions hold cases).
SUPPRESSED_PK = "SUPPRESSED"

#: The first part of every queue sort key; the digit puts open cases before closed ones.
STATE_KEY = {"open": "1open", "closed": "2closed"}


def case_pk(number: str) -> str:
    """The partition of a case: the case item, its timeline, subscriptions and claims."""
    return f"{CASE_PREFIX}{number}"


def number_of(pk: str) -> str:
    """The case number of a case partition key (``case_pk``'s inverse)."""
    return pk[len(CASE_PREFIX):]


def counter_pk(year: int) -> str:
    return f"COUNTER#case#{year}"


def idempotency_pk(key: str) -> str:
    return f"IDEMPOTENCY#{key}"


def inbound_pk(ses_message_id: str) -> str:
    return f"INBOUND#{ses_message_id}"


def allowance_pk(kind: str, subject: str, window: str) -> str:
    """The counter of ``kind`` for ``subject`` in ``window``: ``RATE#optin#<mailbox>#20261125``."""
    return f"RATE#{kind}#{subject}#{window}"


def message_marker_id(fingerprint: str) -> str:
    """The marker id of a message by its content (``message_fingerprint``), beside the markers
    by SES id: ``INBOUND#MSG#<fingerprint>``."""
    return f"MSG#{fingerprint}"


def new_case_rate_pk(sender: str, day: date) -> str:
    """The counter of new cases from ``sender``'s mail on ``day``: ``RATE#newcase#<sender>#20261125``."""
    return f"RATE#newcase#{sender}#{day:%Y%m%d}"


def auto_reply_rate_pk(sender: str, hour: datetime) -> str:
    """The counter of auto-replies to ``sender`` in ``hour``: ``RATE#autoreply#<sender>#2026112509``."""
    return f"RATE#autoreply#{sender}#{hour:%Y%m%d%H}"


def message_id_pk(message_id: str) -> str:
    return f"{MESSAGE_ID_PREFIX}{message_id}"


def message_id_of(pk: str) -> str:
    """The Message-ID of a ``message_id`` item's partition key (``message_id_pk``'s inverse)."""
    return pk[len(MESSAGE_ID_PREFIX):]


def department_queue_pk(department: str) -> str:
    return f"DEPT#{department}"


def assignee_queue_pk(username: str) -> str:
    return f"ASSIGNEE#{username.lower()}"


def queue_sk(state: str, created_at: str, number: str) -> str:
    """The sort key of every queue index: ``1open#2026-11-21T08:00:00.000000Z#2026-000123``.

    Open cases sort before closed ones and each group by age, so "the open cases of a department,
    oldest first, received this week" is one key condition (``docs/data-model.md``)."""
    return f"{STATE_KEY[state]}#{created_at}#{number}"


def state_of(status: str) -> str:
    return "open" if Status(status) in OPEN_STATUSES else "closed"


def feed_pk(day: str) -> str:
    """GSI4's partition of one UTC day (``2026-11-21``): every timeline entry of that day."""
    return f"FEED#{day}"


def subscription_sk(subscription_id: str) -> str:
    return f"SUB#{subscription_id}"


def notification_sk(event_id: str, recipient_key: str) -> str:
    return f"NOTIFY#{event_id}#{recipient_key}"


def recipient_pk(address: str) -> str:
    """The partition of a recipient: the address's key, never the address itself."""
    return recipient_pk_of_key(address_key(address))


def recipient_pk_of_key(key: str) -> str:
    return f"{RECIPIENT_PREFIX}{key}"


def recipient_key_of(pk: str) -> str:
    """The address key of a recipient's partition key."""
    return pk[len(RECIPIENT_PREFIX):]


def report_sk(at: str, report_key: str) -> str:
    return f"REPORT#{at}#{report_key}"


def suppression_sk(suppressed_at: str, address: str) -> str:
    """GSI3's sort key of a suppressed address: newest suppression last, the key for ties."""
    return f"{suppressed_at}#{address_key(address)}"
