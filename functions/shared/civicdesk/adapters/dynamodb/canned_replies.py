"""The canned replies administrators keep: one ``CANNED_REPLY`` partition, every change
checked against the version the administrator read."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, PutError

from ...domain.cases import iso
from ...services.console_ports import CannedReply
from .conditions import condition_failed
from .console_items import CannedReplyItem
from .keys import CANNED_REPLY_PK, CANNED_REPLY_PREFIX, canned_reply_sk
from .mappers import parse_time

#: The most replies one list reads (a municipality keeps tens, at most a few hundred).
MAX_REPLIES = 1000


def _reply(item: CannedReplyItem) -> CannedReply:
    return CannedReply(reply_id=item.reply_id, title=item.title, text=item.text,
                       language=item.language, categories=tuple(str(c) for c in item.categories or ()),
                       version=int(item.reply_version), created_at=parse_time(item.created_at),
                       created_by=item.created_by, updated_at=parse_time(item.updated_at),
                       updated_by=item.updated_by)


def _item(reply: CannedReply) -> CannedReplyItem:
    return CannedReplyItem(
        PK=CANNED_REPLY_PK, SK=canned_reply_sk(reply.reply_id), reply_id=reply.reply_id,
        title=reply.title, text=reply.text, language=reply.language,
        categories=list(reply.categories) or None, reply_version=reply.version,
        created_at=iso(reply.created_at), created_by=reply.created_by,
        updated_at=iso(reply.updated_at), updated_by=reply.updated_by)


class DynamoCannedReplies:
    def replies(self, language: str | None) -> list[CannedReply]:
        """The replies (of ``language``, a filter on the one partition), in id order: one
        ``Query`` per 1 MB, at most ``MAX_REPLIES``."""
        condition = CannedReplyItem.language == language if language else None
        found = CannedReplyItem.query(CANNED_REPLY_PK, CannedReplyItem.SK.startswith(CANNED_REPLY_PREFIX),
                                      filter_condition=condition, limit=MAX_REPLIES)
        return [_reply(item) for item in found]

    def reply(self, reply_id: str) -> CannedReply | None:
        try:
            return _reply(CannedReplyItem.get(CANNED_REPLY_PK, canned_reply_sk(reply_id)))
        except CannedReplyItem.DoesNotExist:
            return None

    def add_reply(self, reply: CannedReply) -> None:
        _item(reply).save(condition=CannedReplyItem.PK.does_not_exist())

    def replace_reply(self, reply: CannedReply, expected_version: int) -> int | None:
        """``PutItem`` with ``reply_version = <expected>``; on a lost race one ``GetItem`` for
        the version now."""
        try:
            _item(reply).save(condition=CannedReplyItem.reply_version == expected_version)
        except PutError as exc:
            if not condition_failed(exc):
                raise
            return self._version_now(reply.reply_id)
        return None

    def remove_reply(self, reply_id: str, expected_version: int) -> int | None:
        """``DeleteItem`` with ``reply_version = <expected>``; as ``replace_reply``."""
        try:
            CannedReplyItem(PK=CANNED_REPLY_PK, SK=canned_reply_sk(reply_id)).delete(
                condition=CannedReplyItem.reply_version == expected_version)
        except DeleteError as exc:
            if not condition_failed(exc):
                raise
            return self._version_now(reply_id)
        return None

    def _version_now(self, reply_id: str) -> int:
        found = self.reply(reply_id)
        return found.version if found else 0
