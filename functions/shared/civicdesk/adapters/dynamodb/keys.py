"""Every key of the cases table, and nothing else builds one.

Item kinds and the indexes they appear in are in ``items`` and ``table``; the keys of each and
the access patterns they serve are listed in ``docs/data-model.md``.
"""

from __future__ import annotations

from datetime import date, datetime

from ...domain.cases import OPEN_STATUSES, Status

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


def allowance_pk(kind: str, subject: str, day: date) -> str:
    """The counter of ``kind`` for ``subject`` on ``day``: ``RATE#optin#<mailbox>#20261125``."""
    return f"RATE#{kind}#{subject}#{day:%Y%m%d}"


def message_marker_id(fingerprint: str) -> str:
    """The marker id of a message by its content (``message_fingerprint``), beside the markers
    by SES id: ``INBOUND#MSG#<fingerprint>``."""
    return f"MSG#{fingerprint}"


def new_case_rate_pk(sender: str, day: date) -> str:
    """The counter of new cases from ``sender``'s mail on ``day``: ``RATE#newcase#<sender>#20261125``."""
    return allowance_pk("newcase", sender, day)


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


# -- a case's partition: its ranges ------------------------------------------------------------
#
# ``#CASE`` < ``EVT#`` (the history) < ``NOTIFY#`` (claims written before 2026-12-01, expiring)
# < ``PENDING#`` < ``SUB#`` (subscriptions) < ``TRAIL#`` (the delivery trail, newest first): the
# views read the ranges they show with one key condition each (``docs/data-model.md``).

HISTORY_PREFIX = "EVT#"
LEGACY_CLAIM_PREFIX = "NOTIFY#"
SUBSCRIPTION_PREFIX = "SUB#"
TRAIL_PREFIX = "TRAIL#"
#: The last sort key of a range that starts with ``prefix`` (every key after it is higher).
RANGE_END = "~"


def history_sk(at: str, event_id: str) -> str:
    """The sort key of a history entry (``TimelineEvent.sort_key``): oldest first."""
    return f"{HISTORY_PREFIX}{at}#{event_id}"


def trail_sk(at: str, event_id: str) -> str:
    """The sort key of a delivery-trail entry (a notification sent, a delivery report): the
    moment with every digit inverted, so that the range reads newest first in key order.

    Examples
    --------
    >>> trail_sk("2026-11-21T08:00:00.000000Z", "abc")
    'TRAIL#79738878919999999999#abc'
    >>> trail_sk("2026-11-21T08:00:00.000001Z", "x") < trail_sk("2026-11-21T08:00:00.000000Z", "x")
    True
    """
    digits = "".join(ch for ch in at if ch.isdigit())
    return f"{TRAIL_PREFIX}{digits.translate(_INVERT)}#{event_id}"


_INVERT = str.maketrans("0123456789", "9876543210")


def notification_sk(event_id: str, recipient_key: str) -> str:
    """Where a claim was written on the case's partition before 2026-12-01 (read, never written:
    such claims expire 30 days after they were made)."""
    return f"{LEGACY_CLAIM_PREFIX}{event_id}#{recipient_key}"


def claims_pk(event_id: str) -> str:
    """The partition of one event's claims (``NOTIFY#2026-000123/<entry id>``, or the delivery
    feedback's ``NOTIFY#bounce/<SES message id>``): one item per recipient, out of the case's
    partition so that no view of the case reads them."""
    return f"{LEGACY_CLAIM_PREFIX}{event_id}"


# -- filtered queues (GSI5) ---------------------------------------------------------------------

#: The filters served by keys, in the order a page prefers them when it has several.
FILTER_DIMENSIONS = ("status", "category", "type", "channel")
#: The queues they are served in: a department's and the whole municipality's.
FILTER_SCOPES = ("department", "all")
QUEUE_ENTRY_PREFIX = "QENTRY#"
#: Where a migration says it is done: ``MIGRATION`` / ``queue_entries``.
MIGRATION_PK = "MIGRATION"
QUEUE_ENTRIES_MIGRATION = "queue_entries"


def queue_entry_pk(number: str) -> str:
    """The partition of a case's queue entries (never the case's own: no view reads them)."""
    return f"{QUEUE_ENTRY_PREFIX}{number}"


def queue_entry_sk(scope: str, dimension: str) -> str:
    return f"{scope}#{dimension}"


def filtered_queue_pk(scope_partition: str, dimension: str, value: str) -> str:
    """GSI5's partition of one filter value in one queue: ``DEPT#roads#category#potholes``,
    ``CASES#status#waiting_for_citizen``."""
    return f"{scope_partition}#{dimension}#{value}"


def recipient_pk(address: str) -> str:
    """The partition of a recipient: the address's key, never the address itself."""
    from ...domain.delivery import address_key  # the delivery domain, for its writers only

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
    from ...domain.delivery import address_key

    return f"{suppressed_at}#{address_key(address)}"


# -- the staff console: a staff member's own items, the canned replies ---------------------------

STAFF_PREFIX = "STAFF#"
STAFF_PROFILE_SK = "#STAFF"
SAVED_VIEW_PREFIX = "VIEW#"
CANNED_REPLY_PK = "CANNED_REPLY"
CANNED_REPLY_PREFIX = "REPLY#"


def staff_pk(user_id: str) -> str:
    """The partition of one staff member's items, by the pool's ``sub`` (never reused)."""
    return f"{STAFF_PREFIX}{user_id}"


def saved_view_sk(view_id: str) -> str:
    return f"{SAVED_VIEW_PREFIX}{view_id}"


def canned_reply_sk(reply_id: str) -> str:
    return f"{CANNED_REPLY_PREFIX}{reply_id}"

# -- finding cases: words, requesters, places (``adapters/dynamodb/search.py``) --------------------

TERM_PREFIX = "TERM#"
REQUESTER_PREFIX = "REQUESTER#"
GEO_PREFIX = "GEO#"
#: Where the search migration says it is done: ``MIGRATION`` / ``search_index``.
SEARCH_INDEX_MIGRATION = "search_index"
DUE_TIMES_MIGRATION = "due_times"
#: The length of a word's prefix that names its partition: every word that starts alike.
TERM_BUCKET = 2
#: The geohash precision of the geo index's partitions (cells of about 39 km x 19.5 km: a
#: municipality is one to four partitions; finer cells are sort-key prefixes within them).
GEO_PARTITION_PRECISION = 4


def term_pk(word: str) -> str:
    """The partition of every folded word that starts with ``word``'s first letters:
    ``TERM#be`` holds ``beograd``, ``beogradska``, ``bez``, …"""
    return f"{TERM_PREFIX}{word[:TERM_BUCKET]}"


def term_sk(word: str, number: str) -> str:
    """``beograd#2026-000123``: a word's cases in number order, after the words it extends."""
    return f"{word}#{number}"


def requester_key(kind: str, value: str) -> str:
    """The key of a requester's contact (``kind`` ``phone``: its last digits,
    ``search_entries.contact_value``; ``email``: the address in lower case): the first 32 hex
    digits of its SHA-256, never the contact itself.

    >>> requester_key("phone", "41234567") == requester_key("phone", "41234567")
    True
    >>> len(requester_key("email", "ana@example.rs"))
    32
    """
    from hashlib import sha256

    return sha256(f"{kind}:{value}".encode()).hexdigest()[:32]


def requester_pk(kind: str, value: str) -> str:
    return f"{REQUESTER_PREFIX}{requester_key(kind, value)}"


def geo_pk(geohash: str) -> str:
    """The geo index's partition of a point's (or a cell's) geohash: ``GEO#sryw``."""
    return f"{GEO_PREFIX}{geohash[:GEO_PARTITION_PRECISION]}"


def geo_sk(geohash: str, number: str) -> str:
    """``srywcwb3k#2026-000123``: the cases of a partition by place (a cell is a key prefix)."""
    return f"{geohash}#{number}"


JOB_RUN_PREFIX = "JOBRUN#"
JOB_EFFECT_PREFIX = "JOBEFFECT#"
JOB_EFFECT_SK = "#EFFECT"


def job_run_pk(job: str) -> str:
    """The partition of a scheduled job's runs, one item per slot (``domain.jobs``)."""
    return f"{JOB_RUN_PREFIX}{job}"


def job_effect_pk(job: str, key: str) -> str:
    """The item of one effect a job has once: its own partition (effects spread, never a hot
    partition of a job)."""
    return f"{JOB_EFFECT_PREFIX}{job}#{key}"
# -- due times (GSI7) ---------------------------------------------------------------------------

#: GSI7's partitions: a case's due-time key is in one of these, by its number, so that no one
#: partition takes every write and a read of "due before T" is one ``Query`` per shard.
DUE_SHARDS = 4


def due_pk(number: str) -> str:
    """``DUE#<shard>``: the shard is the case's sequence number modulo ``DUE_SHARDS``.

    Examples
    --------
    >>> due_pk("2026-000123"), due_pk("2026-000124")
    ('DUE#3', 'DUE#0')
    """
    return f"DUE#{int(number.rsplit('-', 1)[-1]) % DUE_SHARDS}"


def due_shards() -> list[str]:
    return [f"DUE#{shard}" for shard in range(DUE_SHARDS)]


def due_sk(due_iso: str, number: str) -> str:
    """``<due ISO>#<number>``: in due order within a shard."""
    return f"{due_iso}#{number}"
# -- statistics (``adapters.dynamodb.statistics``) --------------------------------------------

STATS_STATE_SK = "#STATE"


def stats_pk(year: int) -> str:
    """One year's statistics cells: ``STATS#2026``."""
    return f"STATS#{year:04d}"


def stats_day_sk(day: str, department: str) -> str:
    """A day cell: ``D#2026-11-23#roads_traffic`` (days, then departments, in order)."""
    return f"D#{day}#{department}"


def stats_month_sk(month: str, department: str, category: str) -> str:
    """A month cell, one per department and category (so that each stays small: every write
    pays for the whole item): ``M#2026-11#roads_traffic#road_damage``."""
    return f"M#{month}#{department}#{category}"


def stats_range(grain: str, first: str, last: str) -> tuple[str, str]:
    """The sort keys (both included) of the cells of every department from ``first`` to
    ``last`` (days or months)."""
    return f"{grain}#{first}#", f"{grain}#{last}#\uffff"


def stats_state_pk(number: str) -> str:
    """What the statistics know of one case: ``STATSCASE#2026-000123`` / ``#STATE``."""
    return f"STATSCASE#{number}"


def stats_claim_pk(number: str) -> str:
    """The entries of one case the statistics have counted: ``STATSAPPLIED#2026-000123`` /
    the entry's sort key (out of the case's partition, so that no view of the case reads them)."""
    return f"STATSAPPLIED#{number}"


STATS_BACKLOG_SK = "#BACKLOG"


def stats_backlog_pk(department: str) -> str:
    """A department's running open counts by opening day: ``STATSOPEN#roads_traffic`` /
    ``#BACKLOG`` (attributes ``d2026-11-23``)."""
    return f"STATSOPEN#{department}"


def stats_closed_day_pk(year: int) -> str:
    """The days the nightly job closed: ``STATSDAY#2026`` / ``<yyyy-mm-dd>``."""
    return f"STATSDAY#{year:04d}"


# The keys of issue 16's citizen accounts (``accounts_keys.py``) and of issue 15's parts
# (``outreach_keys.py``) are part of this module.
from .accounts_keys import *  # noqa: E402,F401,F403

# The keys of issue 15's parts live in ``outreach_keys.py`` and are part of this module.
# The keys of issue 16's Open311 part live in ``open311_keys.py`` and are part of this module.
from .open311_keys import *  # noqa: E402,F401,F403
from .outreach_keys import *  # noqa: E402,F401,F403

# The public map's keys (issue 16) live in ``public_map_keys.py`` and are part of this module.
from .public_map_keys import *  # noqa: E402,F401,F403
