"""The routes of citizen accounts (``functions/api/app.py`` registers them from
``route_tables.ACCOUNTS``, like the console's): parse, one service call, shape the answer.

The ``/v1/public/account/*`` routes have the citizen pool's authorizer (``CitizenAuthorizer``
in ``template.yaml``): API Gateway answers 401 without a valid ID token of that pool, and the
claims it verified arrive here (``Call.claims``)."""

from __future__ import annotations

import re

from ..domain.accounts import citizen_from_claims
from ..domain.errors import BadRequestError
from . import accounts_schemas as s
from . import accounts_views as av
from .console_handlers import Answer, Call
from .schemas import IDEMPOTENCY_KEY_PATTERN

_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
_PRIVATE = {"Cache-Control": "private, no-store"}
_NO_STORE = {"Cache-Control": "no-store"}
_PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}


def _account(call: Call):
    return citizen_from_claims(call.claims(), call.services.settings().citizen_user_pool_id)


def _municipality(call: Call):
    return call.services.municipality_provider().get()


def public_citizen_sign_in(call: Call) -> Answer:
    return call.services.citizen_sign_in(), 200, _PUBLIC_CACHE


def public_account_profile(call: Call) -> Answer:
    account = _account(call)
    profile = call.services.account_service().profile(account)
    return av.profile_view(profile, account.email), 200, _PRIVATE


def public_account_save_profile(call: Call) -> Answer:
    account = _account(call)
    profile = call.services.account_service().save_profile(account, av.save_profile(call.body()))
    return av.profile_view(profile, account.email), 200, _PRIVATE


def public_account_file_case(call: Call) -> Answer:
    from .case_commands import open_public_case

    account = _account(call)
    key = (call.headers or {}).get("idempotency-key")
    if key is not None and not _IDEMPOTENCY_KEY.match(key):
        raise BadRequestError("error.idempotency_key")
    asked = (call.headers or {}).get("accept-language") or call.params.get("lang")
    command = open_public_case(call.body(), language_hint=call.language() if asked else None,
                               idempotency_key=f"account#{account.sub}#{key}" if key else None)
    filed = call.services.account_service().file(account, command)
    return av.filed_view(filed), 201, _PRIVATE


def public_account_cases(call: Call) -> Answer:
    account = _account(call)
    mine = call.services.account_service().my_cases(account)
    return av.my_cases_view(account.email, mine, _municipality(call), call.language()), 200, _PRIVATE


def public_account_subscriptions(call: Call) -> Answer:
    account = _account(call)
    follows = call.services.account_service().follows(account)
    return av.subscriptions_view(follows, _municipality(call), call.language()), 200, _PRIVATE


def public_account_follow(call: Call) -> Answer:
    account = _account(call)
    raw = call.raw_body()
    language = s.FOLLOW.validate(call.body()).get("language") if raw else None
    follow = call.services.account_service().follow(account, call.path["number"], language)
    return av.followed_view(follow, _municipality(call), call.language()), 200, _PRIVATE


def public_account_unfollow(call: Call) -> Answer:
    account = _account(call)
    call.services.account_service().unfollow(account, call.path["number"])
    return {"number": call.path["number"], "status": "unsubscribed"}, 200, _PRIVATE


def public_my_cases_link(call: Call) -> Answer:
    cleaned = s.LINK_REQUEST.validate(call.body())
    call.services.my_cases_links().request(cleaned["email"], cleaned.get("language")
                                           or call.language())
    return {"status": "accepted"}, 202, _NO_STORE


def public_my_cases(call: Call) -> Answer:
    cleaned = s.LINK_OPEN.validate(call.body())
    email, listed = call.services.my_cases_links().cases(cleaned["token"])
    return av.linked_cases_view(email, listed, _municipality(call), call.language()), 200, _PRIVATE
