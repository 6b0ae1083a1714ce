"""Citizen accounts in the cases table (``services.account_ports.AccountStore``): the profile,
the cases an account filed with their registry numbers, the cases it follows."""

from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.exceptions import PutError

from ...domain.accounts import Profile, RegisteredCase, registry_number
from ...domain.cases import iso
from .accounts_items import AccountCaseItem, AccountFollowItem, AccountProfileItem, RegistryCounterItem
from .accounts_keys import (
    ACCOUNT_CASE_PREFIX,
    ACCOUNT_FOLLOW_PREFIX,
    ACCOUNT_PROFILE_SK,
    REGISTRY_COUNTER_SK,
    account_case_sk,
    account_follow_sk,
    account_pk,
    registry_counter_pk,
)
from .conditions import condition_failed
from .mappers import parse_time


def _registered(item: AccountCaseItem) -> RegisteredCase:
    return RegisteredCase(item.number, item.registry_number, parse_time(item.registered_at))


class DynamoAccounts:
    def profile(self, sub: str) -> Profile | None:
        try:
            item = AccountProfileItem.get(account_pk(sub), ACCOUNT_PROFILE_SK, consistent_read=True)
        except AccountProfileItem.DoesNotExist:
            return None
        return Profile(item.name, item.phone, item.postal_address, item.language,
                       parse_time(item.updated_at))

    def save_profile(self, sub: str, profile: Profile) -> None:
        AccountProfileItem(PK=account_pk(sub), SK=ACCOUNT_PROFILE_SK, name=profile.name,
                           phone=profile.phone, postal_address=profile.postal_address,
                           language=profile.language,
                           updated_at=iso(profile.updated_at or datetime.now(timezone.utc))).save()

    def registered(self, sub: str, number: str) -> RegisteredCase | None:
        try:
            item = AccountCaseItem.get(account_pk(sub), account_case_sk(number), consistent_read=True)
        except AccountCaseItem.DoesNotExist:
            return None
        return _registered(item)

    def register(self, sub: str, number: str, department: str | None, year: int,
                 at: datetime) -> RegisteredCase:
        registry = None
        if department:
            counter = RegistryCounterItem(PK=registry_counter_pk(year), SK=REGISTRY_COUNTER_SK)
            counter.update(actions=[RegistryCounterItem.value.add(1)], add_version_condition=False)
            registry = registry_number(year, department, int(counter.value))
        item = AccountCaseItem(PK=account_pk(sub), SK=account_case_sk(number), number=number,
                               registered_at=iso(at), registry_number=registry)
        try:
            item.save(condition=AccountCaseItem.PK.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
            # A concurrent repeat registered it first: its number stands (ours is a gap).
            stored = self.registered(sub, number)
            if stored is not None:
                return stored
            raise
        return _registered(item)

    def cases(self, sub: str, limit: int) -> list[RegisteredCase]:
        return [_registered(item) for item in AccountCaseItem.query(
            account_pk(sub), AccountCaseItem.SK.startswith(ACCOUNT_CASE_PREFIX),
            scan_index_forward=False, limit=limit)]

    def follow(self, sub: str, number: str, at: datetime) -> None:
        AccountFollowItem(PK=account_pk(sub), SK=account_follow_sk(number), number=number,
                          since=iso(at)).save()

    def unfollow(self, sub: str, number: str) -> None:
        AccountFollowItem(PK=account_pk(sub), SK=account_follow_sk(number)).delete()

    def follows(self, sub: str, limit: int) -> list[tuple[str, datetime]]:
        found = [(item.number, parse_time(item.since)) for item in AccountFollowItem.query(
            account_pk(sub), AccountFollowItem.SK.startswith(ACCOUNT_FOLLOW_PREFIX), limit=limit)]
        return sorted(found, key=lambda f: f[1], reverse=True)
