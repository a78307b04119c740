"""A record whose work one background job does once: a permit import, a data export.

A run claims the record by raising its `attempt` in a commit of its own, and its outcome is
a conditional UPDATE naming that attempt, so a run overtaken by a newer one (the sweep's,
after a worker was killed) changes nothing. A run that fails says so on the record: queued
again for the queue's retry, or failed after the last attempt. The sweep finds the records
whose job may be lost: queued a while without a run, or running longer than a run may take.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from sqlalchemy import or_, select, update

from portal.extensions import db
from portal.models import utcnow
from portal.workflow import TransitionTable, rows_changed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClaimedRuns:
    """How the job of one kind of record claims it, fails and is found lost. `model` is
    the mapped class (id, status, attempt, started_at, finished_at, updated_at, failure)."""

    model: Any
    transitions: TransitionTable
    queued: Enum
    running: Enum
    failed: Enum
    most_attempts: int
    run_seconds: int
    queued_grace: timedelta

    def claim(self, record) -> int | None:
        """The attempt this run now holds (committed), or None if another run claimed the
        record between its read and this claim: that run goes on."""
        model, attempt = self.model, record.attempt + 1
        claimed = rows_changed(
            update(model)
            .where(
                model.id == record.id,
                model.status.in_(self.transitions.sources(self.running)),
                model.attempt == record.attempt,
            )
            .values(status=self.running, attempt=attempt, started_at=utcnow(), failure="")
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return attempt if claimed == 1 else None

    def record_failure(
        self, record_id: int, attempt: int, failure: str, audit_failed: Callable[[int], None]
    ) -> None:
        """Say on the record why the run stopped: queued again for the queue's retry, or
        failed after the last attempt (then `audit_failed(record_id)` adds its audit entry
        to the same commit). Best effort: a database that is away is the error."""
        model = self.model
        target = self.failed if attempt >= self.most_attempts else self.queued
        self.transitions.check(self.running, target)
        try:
            moved = rows_changed(
                update(model)
                .where(
                    model.id == record_id,
                    model.status == self.running,
                    model.attempt == attempt,
                )
                .values(
                    status=target,
                    failure=failure,
                    finished_at=utcnow() if target == self.failed else None,
                )
                .execution_options(synchronize_session=False)
            )
            if moved and target == self.failed:
                audit_failed(record_id)
            db.session.commit()
        except Exception:  # noqa: BLE001 - the run's own error is what the queue must see
            log.exception("could not record the failure of %s %s", model.__name__, record_id)
            db.session.rollback()

    def lost_ids(self, limit: int) -> list[int]:
        """Records whose job may be lost: queued a while without a run, or running longer
        than a run may take (its worker was killed)."""
        model, now = self.model, utcnow()
        return list(
            db.session.scalars(
                select(model.id)
                .where(
                    or_(
                        (model.status == self.queued)
                        & (model.updated_at < now - self.queued_grace),
                        (model.status == self.running)
                        & (model.started_at < now - timedelta(seconds=self.run_seconds)),
                    )
                )
                .order_by(model.id)
                .limit(limit)
            )
        )
