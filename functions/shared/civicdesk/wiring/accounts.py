"""The composition root's part for citizen accounts (issue 16, item 4): the account store, the
account service and the mailed "my cases" link."""

from __future__ import annotations

from functools import lru_cache

from ..config import settings
from .console import search_index
from .core import (
    _tables_configured,
    case_repository,
    case_service,
    follower_service,
    link_keys,
    mailer,
    municipality_provider,
    tracking_links,
)

__all__ = ["account_store", "account_service", "my_cases_links", "citizen_sign_in"]


@lru_cache(maxsize=1)
def account_store():
    from ..adapters.dynamodb.accounts import DynamoAccounts

    _tables_configured()
    return DynamoAccounts()


@lru_cache(maxsize=1)
def account_service():
    from ..services.accounts import AccountService

    return AccountService(account_store(), case_service(), search_index(), follower_service(),
                          tracking_links(), municipality_provider(), case_repository())


@lru_cache(maxsize=1)
def my_cases_links():
    from ..adapters.dynamodb.allowances import DynamoAllowances
    from ..services.my_cases_links import MyCasesLinks

    return MyCasesLinks(search_index(), link_keys(), tracking_links(), municipality_provider(),
                        mailer(), DynamoAllowances(), settings().public_url)


def citizen_sign_in() -> dict:
    """What the portal needs to talk to the citizen pool (``GET /v1/public/account/sign-in``)."""
    config = settings()
    return {"endpoint": config.cognito_endpoint, "region": config.region,
            "user_pool_id": config.citizen_user_pool_id or "",
            "client_id": config.citizen_client_id or ""}
