"""Saved audiences and their resolution into members: the one way campaigns and surveys find
whom to reach (``AudienceMembers``, ``docs/audiences.md``).

Resolution streams. Each source yields candidates page by page (the alert subscriptions
through their port, a contact list's contacts in key order, the cases of a period); the
candidates pass, 100 at a time, the suppression list (one ``BatchGetItem`` per 100 addresses),
then :class:`~civicdesk.domain.audience_rules.Distinct`, which gives each person and each address
out once. Nothing but digests of what was given out is held: 100,000 members resolve in a few
megabytes (``bench/audiences.py``).
"""

from __future__ import annotations

import heapq
import itertools
import uuid
from collections import Counter
from datetime import datetime, time, timedelta, timezone
from typing import Callable, Iterable, Iterator

from msgspec import Struct
from msgspec.structs import replace

from ..domain.audience_rules import (
    MAX_LISTS,
    AudienceKind,
    AudienceRule,
    Distinct,
    DrawnArea,
    in_areas,
    polygon_problem,
    redact_email,
    redact_name,
    redact_phone,
    without_suppressed,
)
from ..domain.audiences import AudienceMember, Channel, MemberSource, member_key
from ..domain.cases import Status, utc_now
from ..domain.errors import ConflictError, FieldError, NotFoundError
from ..domain.municipality import Municipality
from ..domain.policy import Action, Principal, allowed
from .audience_ports import AlertSubscribers, AudienceNotFound
from .audience_store_ports import Audience, AudienceStore, CaseContacts, ContactEntry, ContactListStore
from .commands import StaffCommand
from .municipality import MunicipalityProvider
from .ports import PhoneNumbers, SuppressionList

#: Candidates checked against the suppression list at once (``BatchGetItem`` reads 100 keys).
SUPPRESSION_BATCH = 50  # two addresses a member at most: 100 keys
MAX_NAME, MAX_DESCRIPTION = 120, 1000
PREVIEW_DEFAULT, PREVIEW_MAX = 10, 50


class WriteAudience(StaffCommand, frozen=True, kw_only=True):
    """An audience to create (``audience_id`` ``None``) or overwrite at ``version``."""

    audience_id: str | None = None
    name: str | None = None
    description: str = ""
    rule: AudienceRule | None = None
    version: int | None = None


class DeleteAudience(StaffCommand, frozen=True, kw_only=True):
    audience_id: str
    version: int | None = None


class PreviewQuery(StaffCommand, frozen=True, kw_only=True):
    limit: int = PREVIEW_DEFAULT


class SampleMember(Struct, frozen=True):
    """A member as a preview shows it: never their full name, address or number."""

    name: str
    email: str | None
    phone: str | None
    language: str
    area: str | None
    source: str
    channels: tuple[str, ...]


class Preview(Struct, frozen=True):
    total: int
    by_channel: dict[str, int]
    by_language: dict[str, int]
    by_area: dict[str, int]  # "" for members of no known area
    by_source: dict[str, int]
    sample: list[SampleMember]
    cases_allowed: bool


class AudienceService:
    """Saved audiences (create, read, change, delete), their preview, and ``members``: the
    ``AudienceMembers`` port campaigns and surveys read."""

    def __init__(self, audiences: AudienceStore, lists: ContactListStore, cases: CaseContacts,
                 subscribers: AlertSubscribers, suppression: SuppressionList,
                 phones: PhoneNumbers, municipality: MunicipalityProvider,
                 clock: Callable[[], datetime] = utc_now):
        self._audiences = audiences
        self._lists = lists
        self._cases = cases
        self._subscribers = subscribers
        self._suppression = suppression
        self._phones = phones
        self._municipality = municipality
        self._clock = clock

    # -- the saved audiences ------------------------------------------------------------------

    def audiences(self, principal: Principal | None) -> list[Audience]:
        allowed(principal, Action.VIEW_AUDIENCES)
        return sorted(self._audiences.audiences(), key=lambda a: (a.name.casefold(), a.audience_id))

    def audience(self, principal: Principal | None, audience_id: str) -> Audience:
        allowed(principal, Action.VIEW_AUDIENCES)
        return self._found(audience_id)

    def create(self, principal: Principal | None, command: WriteAudience) -> Audience:
        caller = allowed(principal, Action.MANAGE_AUDIENCES)
        rule = self._check(command)
        now = self._clock()
        audience = Audience(uuid.uuid4().hex, str(command.name).strip(), command.description.strip(),
                            rule, 1, now, caller.actor, now, caller.actor)
        self._audiences.add_audience(audience)
        return audience

    def update(self, principal: Principal | None, command: WriteAudience) -> Audience:
        caller = allowed(principal, Action.MANAGE_AUDIENCES)
        rule = self._check(command)
        current = self._found(str(command.audience_id))
        expected = int(command.version or 0)
        if current.version != expected:
            raise ConflictError("error.audience_changed", current_version=current.version)
        audience = replace(current, name=str(command.name).strip(),
                           description=command.description.strip(), rule=rule,
                           version=expected + 1, updated_at=self._clock(), updated_by=caller.actor)
        _settle(self._audiences.replace_audience(audience, expected))
        return audience

    def delete(self, principal: Principal | None, command: DeleteAudience) -> None:
        allowed(principal, Action.MANAGE_AUDIENCES)
        command.raise_invalid()
        _settle(self._audiences.remove_audience(command.audience_id, int(command.version or 0)))

    def _found(self, audience_id: str) -> Audience:
        found = self._audiences.audience(audience_id)
        if found is None:
            raise NotFoundError("error.audience_not_found")
        return found

    def _check(self, command: WriteAudience) -> AudienceRule:
        errors: list[FieldError] = []
        name = (command.name or "").strip()
        if command.name is not None and not name:
            errors.append(FieldError("name", "required"))
        if len(name) > MAX_NAME:
            errors.append(FieldError("name", "too_long", {"max": MAX_NAME}))
        if len(command.description) > MAX_DESCRIPTION:
            errors.append(FieldError("description", "too_long", {"max": MAX_DESCRIPTION}))
        if command.rule is not None:
            errors.extend(self.rule_errors(command.rule))
        command.raise_invalid(errors)
        assert command.rule is not None  # the edge reported a missing rule
        return command.rule

    def rule_errors(self, rule: AudienceRule) -> list[FieldError]:
        """What is wrong with ``rule`` against the configuration and the lists there are."""
        municipality = self._municipality.get()
        errors: list[FieldError] = []
        if rule.kind is AudienceKind.POLYGON:
            if rule.source is None:
                errors.append(FieldError("rule.source", "required"))
            problem = polygon_problem(rule.polygon)
            if problem:
                errors.append(FieldError("rule.polygon", f"audience_{problem}"))
        base = rule.base
        topics = _alert_topics(municipality)
        if base is AudienceKind.SUBSCRIBERS:
            if not rule.topics:
                errors.append(FieldError("rule.topics", "required"))
            unknown = [t for t in rule.topics if topics is not None and t not in topics]
            if unknown:
                errors.append(FieldError("rule.topics", "not_allowed", {"allowed": ", ".join(topics or ())}))
        if base in (AudienceKind.SUBSCRIBERS, AudienceKind.CASES):
            if any(a not in municipality.areas for a in rule.areas):
                errors.append(FieldError("rule.areas", "not_allowed",
                                         {"allowed": ", ".join(municipality.areas)}))
        if base is AudienceKind.CONTACT_LIST:
            if not rule.lists:
                errors.append(FieldError("rule.lists", "required"))
            elif len(rule.lists) > MAX_LISTS:
                errors.append(FieldError("rule.lists", "too_many", {"max": MAX_LISTS}))
            elif any(self._lists.contact_list(list_id) is None for list_id in rule.lists):
                errors.append(FieldError("rule.lists", "audience_unknown_list"))
        if base is AudienceKind.CASES:
            if not municipality.audiences_from_cases:
                errors.append(FieldError("rule.kind", "audience_cases_not_allowed"))
            if any(c not in municipality.categories for c in rule.categories):
                errors.append(FieldError("rule.categories", "not_allowed",
                                         {"allowed": ", ".join(municipality.categories)}))
            statuses = [s.value for s in Status]
            if any(s not in statuses for s in rule.statuses):
                errors.append(FieldError("rule.statuses", "not_allowed", {"allowed": ", ".join(statuses)}))
            if rule.opened_from and rule.opened_to and rule.opened_from > rule.opened_to:
                errors.append(FieldError("rule.opened_to", "audience_period_reversed"))
        return errors

    # -- resolution ---------------------------------------------------------------------------

    def members(self, audience_id: str) -> Iterator[AudienceMember]:
        """``AudienceMembers.members``: every member of the saved audience, each once."""
        audience = self._audiences.audience(audience_id)
        if audience is None:
            raise AudienceNotFound(audience_id)
        return self.resolve(audience.rule)

    def resolve(self, rule: AudienceRule) -> Iterator[AudienceMember]:
        """The members ``rule`` reaches now (module docstring), lazily."""
        municipality = self._municipality.get()
        seen = Distinct()
        candidates = self._candidates(rule, municipality)
        while batch := list(itertools.islice(candidates, SUPPRESSION_BATCH)):
            addresses = {address for m in batch for c in m.channels
                         if (address := m.address_for(c))}
            suppressed = {a.lower() for a in self._suppression.suppressed(addresses)}
            for candidate in batch:
                member = without_suppressed(candidate, dict.fromkeys(suppressed, ""))
                if member is not None and (member := seen.admit(member)) is not None:
                    yield member

    def preview(self, principal: Principal | None, query: PreviewQuery,
                rule: AudienceRule | None = None, audience_id: str | None = None) -> Preview:
        """The counts of a saved audience (``audience_id``) or of a rule being edited, and its
        first ``limit`` members, redacted."""
        caller = allowed(principal, Action.VIEW_AUDIENCES)
        if rule is None:
            rule = self._found(str(audience_id)).rule
        else:
            allowed(caller, Action.MANAGE_AUDIENCES)
            query.raise_invalid(self.rule_errors(rule))
        query.raise_invalid()
        counts: dict[str, Counter] = {k: Counter() for k in ("channel", "language", "area", "source")}
        sample: list[SampleMember] = []
        total = 0
        for member in self.resolve(rule):
            total += 1
            counts["language"][member.language] += 1
            counts["area"][member.area or ""] += 1
            counts["source"][member.source.value] += 1
            for channel in member.channels:
                counts["channel"][channel.value] += 1
            if len(sample) < query.limit:
                sample.append(SampleMember(
                    redact_name(member.name), redact_email(member.email), redact_phone(member.phone),
                    member.language, member.area, member.source.value,
                    tuple(c.value for c in member.channels)))
        return Preview(total, dict(counts["channel"]), dict(counts["language"]), dict(counts["area"]),
                       dict(counts["source"]), sample, self._municipality.get().audiences_from_cases)

    def _candidates(self, rule: AudienceRule, municipality: Municipality) -> Iterator[AudienceMember]:
        drawn = None
        if rule.kind is AudienceKind.POLYGON and rule.polygon is not None:
            drawn = DrawnArea(rule.polygon)
        source = MemberSource.POLYGON if drawn is not None else None
        if rule.base is AudienceKind.SUBSCRIBERS:
            yield from self._subscribers_of(rule, municipality, drawn, source)
        elif rule.base is AudienceKind.CONTACT_LIST:
            yield from self._contacts_of(rule, municipality, drawn, source)
        elif rule.base is AudienceKind.CASES and municipality.audiences_from_cases:
            yield from self._case_people(rule, municipality, drawn, source)

    def _subscribers_of(self, rule, municipality: Municipality, drawn: DrawnArea | None,
                        source: MemberSource | None) -> Iterator[AudienceMember]:
        regions = {a: municipality.areas[a].region for a in rule.areas if a in municipality.areas}
        wanted = set(rule.topics)
        for subscriber in self._subscribers.confirmed():
            if not wanted & set(subscriber.topics):
                continue
            if drawn is not None:
                inside = (subscriber.point is not None and drawn.holds_point(*subscriber.point)) or any(
                    drawn.holds_area(a, municipality.areas[a].geometry)
                    for a in subscriber.areas if a in municipality.areas)
                if not inside:
                    continue
            elif not in_areas(subscriber.areas, subscriber.point, rule.areas, regions):
                continue
            if not (subscriber.email or subscriber.phone):
                continue
            channels = tuple(c for c in subscriber.channels
                             if (subscriber.email if c is Channel.EMAIL else subscriber.phone))
            yield AudienceMember(
                key=member_key(subscriber.email, subscriber.phone),
                language=municipality.language_or_default(subscriber.language),
                source=source or MemberSource.SUBSCRIPTION, channels=channels, name=subscriber.name,
                email=subscriber.email, phone=subscriber.phone,
                area=_area_of(subscriber.areas, subscriber.point, rule.areas, municipality),
                unsubscribe_token=subscriber.unsubscribe_token)

    def _contacts_of(self, rule, municipality: Municipality, drawn: DrawnArea | None,
                     source: MemberSource | None) -> Iterator[AudienceMember]:
        streams = [self._lists.entries(list_id) for list_id in dict.fromkeys(rule.lists)]
        merged = heapq.merge(*streams, key=lambda e: e.key) if len(streams) > 1 else streams[0]
        for _, group in itertools.groupby(merged, key=lambda e: e.key):
            entry = _first_reachable(group)
            if entry is None:
                continue
            if drawn is not None and not (entry.area in municipality.areas and drawn.holds_area(
                    entry.area, municipality.areas[entry.area].geometry)):
                continue
            yield AudienceMember(
                key=entry.key, language=municipality.language_or_default(entry.language),
                source=source or MemberSource.CONTACT_LIST,
                channels=self._channels(entry.email, entry.phone, entry.mobile),
                name=entry.name, email=entry.email, phone=entry.phone, area=entry.area,
                unsubscribe_token=entry.token)

    def _case_people(self, rule, municipality: Municipality, drawn: DrawnArea | None,
                     source: MemberSource | None) -> Iterator[AudienceMember]:
        zone = municipality.time_zone
        start = _local_midnight(rule.opened_from, zone) if rule.opened_from else None
        end = _local_midnight(rule.opened_to + timedelta(days=1), zone) if rule.opened_to else None
        for case in self._cases.cases(start, end, rule.categories, rule.statuses):
            areas = municipality.areas_at(*case.point) if case.point else ()
            if drawn is not None:
                if case.point is None or not drawn.holds_point(*case.point):
                    continue
            elif rule.areas and not set(areas) & set(rule.areas):
                continue
            area = next((a for a in areas if not rule.areas or a in rule.areas), None)
            language = municipality.language_or_default(case.language)
            if case.email or case.phone:
                yield AudienceMember(
                    key=member_key(case.email, case.phone), language=language,
                    source=source or MemberSource.CASES, channels=self._channels(case.email, case.phone),
                    name=case.name, email=case.email, phone=case.phone, area=area)
            if rule.followers:
                for follower in self._cases.followers(case.number):
                    yield AudienceMember(
                        key=member_key(follower.email, None),
                        language=municipality.language_or_default(follower.language),
                        source=source or MemberSource.CASES, channels=(Channel.EMAIL,),
                        email=follower.email, area=area)

    def _channels(self, email: str | None, phone: str | None,
                  mobile: bool | None = None) -> tuple[Channel, ...]:
        """Every channel an address or a number allows: SMS only to a mobile number
        (``mobile`` when known, else the numbering plan is asked)."""
        channels = [Channel.EMAIL] if email else []
        if phone:
            if mobile if mobile is not None else self._phones.can_receive_sms(phone):
                channels.append(Channel.SMS)
            channels.append(Channel.PHONE)
        return tuple(channels)


def _first_reachable(group: Iterable[ContactEntry]) -> ContactEntry | None:
    """One person's contacts from several lists as one: the first list's, with what it lacks
    filled from the others; ``None`` when they opted out of every list naming them."""
    entries = [e for e in group if e.opted_out_at is None]
    if not entries:
        return None
    first = entries[0]
    for other in entries[1:]:
        first = replace(first, name=first.name or other.name, phone=first.phone or other.phone,
                        area=first.area or other.area)
    return first


def _area_of(areas, point, wanted, municipality: Municipality) -> str | None:
    for area in areas:
        if not wanted or area in wanted:
            return area
    if point is not None:
        if wanted:
            return next((a for a in wanted if a in municipality.areas
                         and municipality.areas[a].region.covers(*point)), None)
        return next(iter(municipality.areas_at(*point)), None)
    return None


def _local_midnight(day, zone: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(0), ZoneInfo(zone)).astimezone(timezone.utc)


def _alert_topics(municipality: Municipality) -> tuple[str, ...] | None:
    """The configuration's alert topics (``alert_topics``, added with the residents' alert
    subscriptions), ``None`` where the configuration names none (any topic id is taken)."""
    topics = getattr(municipality, "alert_topics", None)
    if topics is None:
        return None
    return tuple(topics)


def _settle(version_now: int | None) -> None:
    if version_now == 0:
        raise NotFoundError("error.audience_not_found")
    if version_now is not None:
        raise ConflictError("error.audience_changed", current_version=version_now)
