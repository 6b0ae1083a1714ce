"""In-memory fakes of the ports the case-work service uses beyond ``fakes.py``'s: the version-
checked change, queues, followers, Message-IDs of sent mail, the staff directory and SMS."""

from __future__ import annotations

from civicdesk.domain.errors import ConflictError
from civicdesk.domain.policy import Role
from civicdesk.services.ports import QueueQuery, StaffMember
from tests.support.fakes import InMemoryMailRepository


class InMemoryCaseworkRepository(InMemoryMailRepository):
    """``CaseworkRepository`` in memory; ``queries`` records every queue query asked."""

    def __init__(self):
        super().__init__()
        self.queries: list[QueueQuery] = []
        self.queue_answer: tuple[list, str | None] | None = None
        self.followers: dict[str, int] = {}
        self.sent: list[tuple[str, str, str | None, str | None]] = []

    def save_change(self, case, expected_version, events, *, also=()):
        for changed, version in ((case, expected_version), *also):
            if self.cases[changed.number].version != version:
                raise ConflictError("error.conflict", current_version=self.cases[changed.number].version)
        for changed, version in ((case, expected_version), *also):
            self.cases[changed.number] = changed.with_changes(version=version + 1)
        for event in events:
            self.events.setdefault(event.case_number, []).append(event)
            self.events[event.case_number].sort(key=lambda e: e.sort_key)

    def cases_due(self, before, after=None):
        """``DueCases`` over every case held, as the due-time index would answer."""
        from civicdesk.domain.service_levels import next_due

        due = [(next_due(c), c.number, c) for c in self.cases.values() if not c.deleted]
        return [c for d, _, c in sorted(item for item in due if item[0] is not None)
                if d < before and (after is None or d >= after)]

    def queue(self, query):
        self.queries.append(query)
        if self.queue_answer is not None:
            return self.queue_answer
        return [c for c in self.cases.values() if not c.deleted], None

    def get_with_followers(self, number):
        found = self.get_with_timeline(number)
        if found is None:
            return None
        return found[0], found[1], self.followers.get(number, 0), True

    def record_message_id(self, outgoing_message_id, number, *, kind=None, to=None):
        self.message_ids[outgoing_message_id] = number
        self.sent.append((outgoing_message_id, number, kind, to))


class FakeDirectory:
    """The staff directory: ``add`` a member, ``get`` them by username."""

    def __init__(self):
        self.members: dict[str, StaffMember] = {}

    def add(self, username: str, role: Role, departments: tuple[str, ...] = (), *,
            enabled: bool = True) -> StaffMember:
        member = StaffMember(username=username, user_id=f"id-{username}",
                             roles=frozenset({role}), departments=frozenset(departments),
                             name=username.title(), enabled=enabled)
        self.members[username] = member
        return member

    def get(self, username):
        return self.members.get(username)

    def list(self, role=None):
        return [m for m in self.members.values() if role is None or Role(role) in m.roles]

