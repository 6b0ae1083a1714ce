"""The staff console's services: its settings, saved views, language, canned replies, the board
and finding cases."""

from __future__ import annotations

from functools import lru_cache

from ..config import settings
from .core import _deferred, _tables_configured, municipality_provider, phone_numbers, staff_directory


@lru_cache(maxsize=1)
def console_info():
    from ..services.console_info import ConsoleInfo, StaffSignIn

    current = settings()
    sign_in = None
    if current.staff_user_pool_id and current.staff_client_id:
        sign_in = StaffSignIn(current.region, current.staff_user_pool_id, current.staff_client_id,
                              current.cognito_endpoint)
    return ConsoleInfo(municipality_provider(), sign_in)


@lru_cache(maxsize=1)
def saved_view_service():
    from ..adapters.dynamodb.preferences import DynamoSavedViews
    from ..services.staff_preferences import SavedViewService

    _tables_configured()
    return SavedViewService(DynamoSavedViews(), municipality_provider())


@lru_cache(maxsize=1)
def language_service():
    from ..services.staff_preferences import LanguageService

    return LanguageService(staff_directory(), municipality_provider())


@lru_cache(maxsize=1)
def canned_reply_service():
    from ..adapters.dynamodb.canned_replies import DynamoCannedReplies
    from ..services.canned_replies import CannedReplyService

    _tables_configured()
    return CannedReplyService(DynamoCannedReplies(), municipality_provider())


@lru_cache(maxsize=1)
def board_service():
    from ..adapters.dynamodb.queue_counts import DynamoQueueCounts
    from ..services.board import BoardService

    _tables_configured()
    return BoardService(DynamoQueueCounts(), municipality_provider())


@lru_cache(maxsize=1)
def search_index():
    from ..adapters.dynamodb.search import DynamoSearchIndex

    _tables_configured()
    return DynamoSearchIndex()


@lru_cache(maxsize=1)
def search_service():
    """Finding cases: search, requester lookup, the map, nearby cases."""
    from ..services.search import SearchService

    return SearchService(search_index(), municipality_provider(), _deferred(phone_numbers))

