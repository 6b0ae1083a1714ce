"""What every part of the case-work service shares: its collaborators, the check-then-read of a
case to change, the version check and the one version-checked write."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Callable

from ..domain.cases import Case, TimelineEvent, parse_number
from ..domain.errors import ConflictError
from ..domain.level_marks import mark_due
from ..domain.policy import Action, Principal, Scope, allowed, authorise_case
from ..domain.service_levels import track
from .municipality import MunicipalityProvider

if TYPE_CHECKING:  # annotations only: a queue page builds neither the ports nor the links
    from .ports import (
        CaseQueues,
        CaseworkCases,
        DueCases,
        Mailer,
        MessageIdLog,
        MetricsSink,
        PhoneNumbers,
        SmsSender,
        StaffDirectory,
    )
    from .tracking_links import TrackingLinks


class CaseworkBase:
    _cases: CaseworkCases
    _queues: CaseQueues
    _due: DueCases
    _message_ids: MessageIdLog
    _phones: PhoneNumbers
    _municipality: MunicipalityProvider
    _mailer: Mailer
    _sms: SmsSender
    _directory: StaffDirectory
    _metrics: MetricsSink
    _public_url: str
    _links: TrackingLinks
    _clock: Callable[[], datetime]

    def _for_change(self, principal: Principal | None, action: Action, number: str,
                    *, with_timeline: bool = False) -> tuple[Principal, Case, list[TimelineEvent]]:
        """The case ``principal`` may take ``action`` on; the role is checked before any read,
        and a caller limited to their departments is refused on the case item before its
        timeline is read (another department's case costs what a missing one costs)."""
        caller = allowed(principal, action)
        events: list[TimelineEvent] = []
        case = None
        if parse_number(number):
            if with_timeline and caller.scope(action) is not Scope.ALL:
                gate = self._cases.get_case(number)
                authorise_case(caller, action, gate.department if gate else None,
                               deleted=bool(gate and gate.deleted))
            if with_timeline:
                found = self._cases.get_with_history(number)
                if found:
                    case, events = found
            else:
                case = self._cases.get_case(number)
        authorise_case(caller, action, case.department if case else None,
                       deleted=bool(case and case.deleted))
        assert case is not None  # authorise_case refuses a missing case
        if case.deleted:
            raise ConflictError("error.case_deleted", current_version=case.version)
        return caller, case, events

    def check_change(self, principal: Principal | None, action: Action, number: str) -> None:
        """Refuse as taking ``action`` on case ``number`` would be refused (401, 403, 404, 409
        for a deleted case). The edge asks this before it reports a malformed request, so such
        a request is answered as it was when the service validated it after these checks."""
        self._for_change(principal, action, number)

    @staticmethod
    def _expect(case: Case, version: int | None) -> int:
        if version is not None and version != case.version:
            raise ConflictError("error.conflict", current_version=case.version, number=case.number)
        return case.version

    def _save(self, case: Case, version: int, events: list[TimelineEvent],
              also: tuple[tuple[Case, int], ...] = ()) -> Case:
        """Write the change with every case's clocks recomputed from it (``service_levels.track``:
        every change goes through here, so none can leave a due time stale)."""
        levels = self._municipality.get().service_levels
        case = track(case, [e for e in events if e.case_number == case.number], levels)
        also = tuple((track(other, [e for e in events if e.case_number == other.number], levels),
                      other_version) for other, other_version in also)
        # The entries that stop a clock carry its due time (the statistics count it met or not).
        for tracked in (case, *(other for other, _ in also)):
            events = mark_due(tracked, events, levels)
        self._cases.save_change(case, version, events, also=also)
        return case.with_changes(version=version + 1)
