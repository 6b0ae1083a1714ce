"""The job-run ledger (``services.job_ports.JobRunLedger``) on the cases table: one item per run
(``JOBRUN#<job>`` / ``<slot>``), one per effect (``JOBEFFECT#<job>#<key>``), both expiring."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Mapping

from ...domain.cases import iso
from ...domain.jobs import RUN_RETENTION, JobRun, RunDecision, RunRecord, RunState, decide
from .conditions import saved_if
from .job_items import JobEffectItem, JobRunItem
from .keys import JOB_EFFECT_SK, job_effect_pk, job_run_pk
from .mappers import parse_time


def _record(item: JobRunItem) -> RunRecord:
    return RunRecord(job=item.job, slot=item.slot, state=RunState(item.state),
                     started_at=parse_time(item.started_at), attempts=int(item.attempts or 1),
                     finished_at=parse_time(item.finished_at) if item.finished_at else None,
                     outcome=json.loads(item.outcome) if item.outcome else {}, error=item.error)


class DynamoJobRunLedger:
    def _get(self, run: JobRun) -> JobRunItem | None:
        try:
            return JobRunItem.get(job_run_pk(run.job), run.slot, consistent_read=True)
        except JobRunItem.DoesNotExist:
            return None

    def begin(self, run: JobRun, at: datetime, lease: timedelta) -> RunRecord | None:
        """One consistent ``GetItem``, then one conditional ``PutItem`` on the state read (a
        concurrent start loses the condition and gets the winner's record)."""
        found = self._get(run)
        record = _record(found) if found is not None else None
        if decide(record, at, lease) not in (RunDecision.START, RunDecision.RESUME):
            return record
        item = JobRunItem(PK=job_run_pk(run.job), SK=run.slot, job=run.job, slot=run.slot,
                          state=RunState.RUNNING.value, started_at=iso(at),
                          attempts=(record.attempts + 1) if record else 1,
                          expires_at=run.scheduled_for + RUN_RETENTION)
        if found is None:
            condition = JobRunItem.PK.does_not_exist()
        else:
            condition = ((JobRunItem.state == found.state)
                         & (JobRunItem.started_at == found.started_at))
        if saved_if(item, condition):
            return None
        taken = self._get(run)
        assert taken is not None, "the condition failed on an existing run"
        return _record(taken)

    def finish(self, run: JobRun, at: datetime, outcome: Mapping[str, object],
               error: str | None = None) -> None:
        item = JobRunItem(PK=job_run_pk(run.job), SK=run.slot)
        item.update(actions=[
            JobRunItem.state.set(RunState.FAILED.value if error else RunState.SUCCEEDED.value),
            JobRunItem.finished_at.set(iso(at)),
            JobRunItem.outcome.set(json.dumps(dict(outcome), ensure_ascii=False, default=str)),
            JobRunItem.error.set(error) if error else JobRunItem.error.remove()])

    def claim_effect(self, run: JobRun, key: str, at: datetime) -> bool:
        item = JobEffectItem(PK=job_effect_pk(run.job, key), SK=JOB_EFFECT_SK, job=run.job,
                             key=key, slot=run.slot, state="claimed", claimed_at=iso(at),
                             expires_at=at + RUN_RETENTION)
        return saved_if(item, JobEffectItem.PK.does_not_exist() | (JobEffectItem.state == "failed"))

    def release_effect(self, run: JobRun, key: str, error: str) -> None:
        JobEffectItem(PK=job_effect_pk(run.job, key), SK=JOB_EFFECT_SK).update(actions=[
            JobEffectItem.state.set("failed"), JobEffectItem.error.set(error[:500])])

    def runs(self, job: str, limit: int = 20) -> list[RunRecord]:
        return [_record(item) for item in JobRunItem.query(
            job_run_pk(job), scan_index_forward=False, limit=limit)]
