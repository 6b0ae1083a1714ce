"""Working cases: what operators, department agents, supervisors and administrators do through
the admin API. Every use case checks the policy table first, then reads, then writes one
version-checked transaction whose timeline entries name the actor.

The use cases live by responsibility: intake (``casework_intake``), reading
(``casework_queries``), changes (``casework_changes``) and the changes that send a message
(``casework_messages``); the changes themselves are the domain's (``domain/case_changes``)."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from ..domain.cases import utc_now
from .casework_changes import CaseChanges
from .casework_intake import CaseIntake
from .casework_messages import CaseMessages
from .casework_queries import CaseQueries
from .municipality import MunicipalityProvider
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


class CaseworkService(CaseIntake, CaseQueries, CaseChanges, CaseMessages):
    def __init__(self, cases: CaseworkCases, queues: CaseQueues, message_ids: MessageIdLog,
                 municipality: MunicipalityProvider, mailer: Mailer, sms: SmsSender,
                 directory: StaffDirectory, metrics: MetricsSink, public_url: str, *,
                 phones: PhoneNumbers, links: TrackingLinks, due: DueCases,
                 clock: Callable[[], datetime] = utc_now):
        self._cases = cases
        self._due = due
        self._links = links
        self._queues = queues
        self._message_ids = message_ids
        self._phones = phones
        self._municipality = municipality
        self._mailer = mailer
        self._sms = sms
        self._directory = directory
        self._metrics = metrics
        self._public_url = public_url.rstrip("/")
        self._clock = clock
