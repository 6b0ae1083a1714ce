"""A staff member's own items: their saved views (``STAFF#<sub>`` / ``VIEW#<id>``), counted on
their profile item in the same transaction, so the limit holds under concurrent requests."""

from __future__ import annotations

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from ...domain.cases import iso
from ...services.console_ports import SavedView
from .conditions import condition_failed, failed_conditions
from .console_items import SavedViewItem, StaffProfileItem
from .keys import SAVED_VIEW_PREFIX, STAFF_PROFILE_SK, saved_view_sk, staff_pk
from .mappers import parse_time
from .session import table_connection


def _view(item: SavedViewItem) -> SavedView:
    return SavedView(view_id=item.view_id, name=item.name, filters=item.filters.as_dict() if item.filters else {},
                     created_at=parse_time(item.created_at), updated_at=parse_time(item.updated_at))


def _item(user_id: str, view: SavedView) -> SavedViewItem:
    return SavedViewItem(PK=staff_pk(user_id), SK=saved_view_sk(view.view_id), view_id=view.view_id,
                         name=view.name, filters=dict(view.filters) or None, created_at=iso(view.created_at),
                         updated_at=iso(view.updated_at))


class DynamoSavedViews:
    def views(self, user_id: str) -> list[SavedView]:
        """Every view of the person, in id order: one ``Query`` (a person has at most the
        service's limit, a few kB)."""
        found = SavedViewItem.query(staff_pk(user_id), SavedViewItem.SK.startswith(SAVED_VIEW_PREFIX))
        return [_view(item) for item in found]

    def add_view(self, user_id: str, view: SavedView, *, limit: int) -> bool:
        """``TransactWriteItems``: ``ADD view_count 1`` on the profile with the condition that it
        is below ``limit``, and the view with ``attribute_not_exists``."""
        profile = StaffProfileItem(PK=staff_pk(user_id), SK=STAFF_PROFILE_SK)
        try:
            with TransactWrite(connection=table_connection().connection) as tx:
                tx.save(_item(user_id, view), condition=SavedViewItem.PK.does_not_exist())
                tx.update(profile, actions=[StaffProfileItem.view_count.add(1)],
                          condition=(StaffProfileItem.view_count.does_not_exist()
                                     | (StaffProfileItem.view_count < limit)),
                          add_version_condition=False)
        except TransactWriteError as exc:
            if failed_conditions(exc):
                return False
            raise
        return True

    def replace_view(self, user_id: str, view: SavedView) -> bool:
        """``PutItem`` with ``attribute_exists(PK)``."""
        try:
            _item(user_id, view).save(condition=SavedViewItem.PK.exists())
        except PutError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    def remove_view(self, user_id: str, view_id: str) -> bool:
        """``TransactWriteItems``: delete the view (it must exist) and ``ADD view_count -1``."""
        profile = StaffProfileItem(PK=staff_pk(user_id), SK=STAFF_PROFILE_SK)
        view = SavedViewItem(PK=staff_pk(user_id), SK=saved_view_sk(view_id))
        try:
            with TransactWrite(connection=table_connection().connection) as tx:
                tx.delete(view, condition=SavedViewItem.PK.exists())
                tx.update(profile, actions=[StaffProfileItem.view_count.add(-1)],
                          condition=StaffProfileItem.view_count > 0, add_version_condition=False)
        except TransactWriteError as exc:
            if failed_conditions(exc):
                return False
            raise
        return True
