"""Open311's repositories: the apps' API keys (one ``OPEN311KEYS`` partition) and the
submission tokens (one item each)."""

from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.exceptions import PutError, UpdateError

from ...domain.cases import iso
from ...domain.open311 import ApiKey
from .conditions import condition_failed
from .keys import OPEN311_KEY_PREFIX, OPEN311_KEYS_PK, OPEN311_TOKEN_SK, open311_key_sk, open311_token_pk
from .mappers import parse_time
from .open311_items import Open311KeyItem, Open311TokenItem

#: The most keys one list reads (a municipality issues a handful).
MAX_KEYS = 500


def _key(item: Open311KeyItem) -> ApiKey:
    return ApiKey(key_id=item.key_id, name=item.name, contact=item.contact, key_hash=item.key_hash,
                  created_at=parse_time(item.created_at), created_by=item.created_by,
                  revoked_at=parse_time(item.revoked_at) if item.revoked_at else None)


class DynamoApiKeys:
    def add_key(self, key: ApiKey) -> bool:
        """One conditional ``PutItem`` (pattern 100)."""
        item = Open311KeyItem(PK=OPEN311_KEYS_PK, SK=open311_key_sk(key.key_id), key_id=key.key_id,
                              name=key.name, contact=key.contact, key_hash=key.key_hash,
                              created_at=iso(key.created_at), created_by=key.created_by,
                              revoked_at=iso(key.revoked_at) if key.revoked_at else None)
        try:
            item.save(condition=Open311KeyItem.PK.does_not_exist())
        except PutError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def key(self, key_id: str) -> ApiKey | None:
        """One ``GetItem`` (pattern 101): every ``POST requests`` checks its key so."""
        try:
            return _key(Open311KeyItem.get(OPEN311_KEYS_PK, open311_key_sk(key_id)))
        except Open311KeyItem.DoesNotExist:
            return None

    def keys(self) -> list[ApiKey]:
        """One ``Query`` of the partition (pattern 102)."""
        found = Open311KeyItem.query(OPEN311_KEYS_PK, Open311KeyItem.SK.startswith(OPEN311_KEY_PREFIX),
                                     limit=MAX_KEYS)
        return sorted((_key(item) for item in found), key=lambda k: (k.created_at, k.key_id))

    def revoke_key(self, key_id: str, at: datetime) -> ApiKey | None:
        """One ``UpdateItem`` that sets ``revoked_at`` unless set (pattern 103), then the key
        (a ``GetItem`` only when it was revoked already or is missing)."""
        item = Open311KeyItem(PK=OPEN311_KEYS_PK, SK=open311_key_sk(key_id))
        try:
            item.update(actions=[Open311KeyItem.revoked_at.set(iso(at))],
                        condition=Open311KeyItem.PK.exists() & Open311KeyItem.revoked_at.does_not_exist())
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            return self.key(key_id)
        return _key(item)


class DynamoSubmissionTokens:
    def remember(self, token: str, number: str, expires_at: datetime) -> None:
        """One ``PutItem`` (pattern 104); a retry writes the same number again."""
        Open311TokenItem(PK=open311_token_pk(token), SK=OPEN311_TOKEN_SK, number=number,
                         expires_at=expires_at).save()

    def number(self, token: str) -> str | None:
        """One ``GetItem`` (pattern 105); an expired token the TTL has not yet removed counts
        as gone."""
        try:
            item = Open311TokenItem.get(open311_token_pk(token), OPEN311_TOKEN_SK)
        except Open311TokenItem.DoesNotExist:
            return None
        if item.expires_at is not None and item.expires_at <= datetime.now(timezone.utc):
            return None
        return item.number
