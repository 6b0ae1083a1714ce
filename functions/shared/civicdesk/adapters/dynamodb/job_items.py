"""The scheduled jobs' and the migrations' item kinds: a job's runs and effects, a finished
migration.

Like every kind, derived from ``table.TableItem``: imported by the adapters that use them, not
at a cold start that does not (``items`` has the case partition's kinds).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)

from .table import TableItem


class MigrationItem(TableItem, discriminator="migration"):
    """``MIGRATION`` / ``<name>``: a data migration that has run to its end (``civicdesk.cli.migrate``),
    or that a new table never needed."""

    completed_at = UnicodeAttribute()
    detail: MapAttribute[str, Any] = MapAttribute(null=True)


class JobRunItem(TableItem, discriminator="job_run"):
    """``JOBRUN#<job>`` / ``<slot>`` (``2026-12-01T16:35Z``): one run of a scheduled job
    (``domain.jobs``), its state (``running``, ``succeeded``, ``failed``) and outcome; expires
    35 days after it began."""

    job = UnicodeAttribute()
    slot = UnicodeAttribute()
    state = UnicodeAttribute()
    started_at = UnicodeAttribute()
    attempts = NumberAttribute(default=1)
    finished_at = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(null=True)  # JSON
    error = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()


class JobEffectItem(TableItem, discriminator="job_effect"):
    """``JOBEFFECT#<job>#<effect key>`` / ``#EFFECT``: an effect a job has once (a warning, an
    escalation), claimed (``claimed``) before it happens, ``failed`` when it raised (claimable
    again); the run that claimed it; expires 35 days after."""

    job = UnicodeAttribute()
    key = UnicodeAttribute()
    slot = UnicodeAttribute()
    state = UnicodeAttribute()
    claimed_at = UnicodeAttribute()
    error = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()
