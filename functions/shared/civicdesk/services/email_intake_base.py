"""What every part of the mail channel shares: its collaborators and the values more than one
part writes by (the loop header of our own mail, how long a message's marker is kept)."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from .municipality import MunicipalityProvider
from .ports import BlobStore, MailCases, Mailer, MailIntakeLog, MetricsSink, Quarantine

#: The header our auto-replies carry; the parser reports a mail that has it as a loop.
LOOP_HEADER = "X-CivicDesk-Loop"
#: Days the marker of a processed message is kept (a second delivery before then is a duplicate).
MARKER_DAYS = 30


class MailIntakeBase:
    _cases: MailCases
    _intake: MailIntakeLog
    _quarantine_store: Quarantine
    _blobs: BlobStore
    _mailer: Mailer
    _municipality: MunicipalityProvider
    _metrics: MetricsSink
    _public_url: str
    _clock: Callable[[], datetime]
    _parser: Callable | None
    _max_attachment_bytes: int
