"""The keys of issue 15's parts (the SMS channel, audiences and contact lists, residents' alert
subscriptions, surveys, campaigns): part of ``keys.py``, which re-exports every name here, so
that every key of the cases table is still found in one place and built by nothing else."""

from __future__ import annotations

# -- the SMS channel (adapters/dynamodb/sms_items.py, docs/data-model.md patterns 48-54) ----------

SMS_INBOUND_SK = "#SMSIN"
SMS_PENDING_SK = "#SMSPENDING"
SMS_QUARANTINE_PK = "SMSQUARANTINE"


def sms_inbound_pk(message_id: str) -> str:
    """The marker of one incoming SMS by End User Messaging's ``inboundMessageId``:
    ``SMSIN#cae173d2-...`` / ``#SMSIN``."""
    return f"SMSIN#{message_id}"


def sms_pending_pk(phone: str) -> str:
    """A number's question "which case?": ``SMSPENDING#<key of the number>`` / ``#SMSPENDING``
    (the number itself is an attribute, never in a key)."""
    from hashlib import sha256

    return f"SMSPENDING#{sha256(phone.encode()).hexdigest()[:32]}"


def sms_quarantine_sk(key: str) -> str:
    """An SMS record that became nothing: ``SMSQUARANTINE`` / ``<hash of the record>``."""
    return key
# -- audiences and contact lists (``adapters/dynamodb/audiences.py``, issue 15) -------------------

AUDIENCES_PK = "AUDIENCES"
AUDIENCE_PREFIX = "AUD#"
CONTACT_LISTS_PK = "CONTACT_LISTS"
CONTACT_LIST_PREFIX = "LIST#"
CONTACT_PREFIX = "C#"
CONTACT_TOKEN_SK = "#CLTOKEN"


def audience_sk(audience_id: str) -> str:
    return f"{AUDIENCE_PREFIX}{audience_id}"


def contact_list_sk(list_id: str) -> str:
    return f"{CONTACT_LIST_PREFIX}{list_id}"


def contact_list_pk(list_id: str) -> str:
    """The partition of one list's contacts (``C#<member key>``, in key order)."""
    return f"CLIST#{list_id}"


def contact_sk(key: str) -> str:
    return f"{CONTACT_PREFIX}{key}"


def contact_token_pk(token: str) -> str:
    """Where a contact's unsubscribe token points to its contact: the token's hash, never the
    token (a table export does not hand out working unsubscribe links)."""
    from hashlib import sha256

    return f"CLTOKEN#{sha256(token.encode()).hexdigest()[:32]}"
# -- alerts: residents' alert subscriptions (adapters/dynamodb/alerts.py) ----------------------

ALERT_SK = "#ALERT"
#: The ``GSI3`` partition of the subscriptions with a confirmed channel (the audiences read it).
ALERT_ACTIVE_PK = "ALERTSUBS"


def alert_pk(subscription_id: str) -> str:
    """A resident's alert subscription: ``ALERT#<24 hex>`` / ``#ALERT``."""
    return f"ALERT#{subscription_id}"


def alert_active_sk(created_at: str, subscription_id: str) -> str:
    """Its place on the active list: ``<created ISO>#<id>`` (oldest first)."""
    return f"{created_at}#{subscription_id}"


def alert_idempotency_key(key: str) -> str:
    """The client's ``Idempotency-Key`` of a subscribe request, apart from the web form's."""
    return f"alerts#{key}"


def alert_phone_pk(phone: str) -> str:
    """The subscriptions a confirmed number belongs to: ``ALERTPHONE#<32 hex>`` / ``<id>``."""
    from ...domain.delivery import address_key

    return f"ALERTPHONE#{address_key(phone)}"
# -- surveys (adapters/dynamodb/surveys.py; docs/data-model.md, access patterns 80-89) -----------

SURVEYS_PK = "SURVEYS"  # every survey's definition, one partition (a municipality runs tens)
SURVEY_PREFIX = "SURVEY#"
SURVEY_INVITEE_PREFIX = "INVITEE#"
SURVEY_RESPONSE_PREFIX = "RESPONSE#"
SURVEY_CALL_PREFIX = "CALL#"


def survey_sk(survey_id: str) -> str:
    """A survey's definition: ``SURVEYS`` / ``SURVEY#<id>``."""
    return f"{SURVEY_PREFIX}{survey_id}"


def survey_pk(survey_id: str) -> str:
    """A survey's invitations, responses and calls: ``SURVEY#<id>`` / ``INVITEE#<member key>``,
    ``RESPONSE#<member key>``, ``CALL#<member key>``."""
    return f"{SURVEY_PREFIX}{survey_id}"


def survey_phone_pk(phone: str) -> str:
    """The SMS surveys sent to one number: ``SURVEYPHONE#+381...`` / ``<created ISO>#<survey id>``."""
    return f"SURVEYPHONE#{phone}"


def survey_calls_pk(survey_id: str, lane: str) -> str:
    """GSI7 partition of a phone survey's queue lane (``1`` call-backs, ``2`` the others), sort
    key ``<ISO time it is served>#<member key>``: apart from the cases' ``DUE#`` partitions.

    >>> survey_calls_pk("ab12", "1")
    'SURVEYCALLS#ab12#1'
    """
    return f"SURVEYCALLS#{survey_id}#{lane}"
# -- campaigns (mass notifications, docs/campaigns.md; access patterns 69-79) -------------------

CAMPAIGN_SK = "#CAMPAIGN"
#: GSI3 partition of every campaign, newest first by ``<created_at>#<id>``.
CAMPAIGNS_PK = "CAMPAIGNS"
CAMPAIGN_RECIPIENT_PREFIX = "R#"
CAMPAIGN_ORIGIN_SK = "#ORIGIN"


def campaign_pk(campaign_id: str) -> str:
    """A campaign and its recipients: ``CAMPAIGN#<id>`` / ``#CAMPAIGN`` and ``R#<member key>``."""
    return f"CAMPAIGN#{campaign_id}"


def campaign_recipient_sk(key: str) -> str:
    return f"{CAMPAIGN_RECIPIENT_PREFIX}{key}"


def campaign_waiting_pk(campaign_id: str) -> str:
    """GSI3 partition of a campaign's recipients by ``wait_until`` (``<ISO>#<key>``): the sweep's."""
    return f"CAMPAIGNWAIT#{campaign_id}"


def campaign_calls_pk(campaign_id: str) -> str:
    """GSI3 partition of a campaign's unreachable recipients (the call list, by key)."""
    return f"CAMPAIGNCALL#{campaign_id}"


def campaign_origin_pk(message_id: str) -> str:
    """Which recipient a sent message went to: ``CAMPAIGNMSG#<SES or SMS id>`` / ``#ORIGIN``."""
    return f"CAMPAIGNMSG#{message_id}"
