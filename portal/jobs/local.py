"""The embedded default: jobs run inside the web process, after the commit that queued them.

Without REDIS_URL (`make run`) one daemon thread per process runs the queued jobs, one at
a time, with the same retry policy as the worker; a job that fails for good stays on the
staff page until someone retries it. In tests (JOBS_LOCAL=manual) nothing runs by itself:
a test calls `run_due()` (tests/support/jobs.py) and the jobs run there, synchronously.

What this queue holds lives in the process's memory, and a restart forgets it; the
database stays the source of truth, and the sweeps (portal/tasks.py) find what is still
pending.
"""

import atexit
import logging
import threading
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from portal.jobs import registry
from portal.models import utcnow

log = logging.getLogger(__name__)

QUEUED, RUNNING, FAILED = "queued", "running", "failed"
# The thread looks at the queue at least this often, for retries coming due.
IDLE_WAKE_SECONDS = 30
# A command that queued jobs (`flask seed-demo`) waits this long at exit for them to run.
DRAIN_SECONDS = 60


@dataclass
class LocalJob:
    id: str
    name: str
    args: tuple
    status: str = QUEUED
    attempts: int = 0
    enqueued_at: datetime = field(default_factory=utcnow)
    run_after: datetime = field(default_factory=utcnow)
    ended_at: datetime | None = None
    error: str = ""


class LocalQueue:
    """Jobs by id: queued (maybe waiting for a retry), running, or failed for good."""

    def __init__(self) -> None:
        self._jobs: dict[str, LocalJob] = {}
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, job_id: str, name: str, args: tuple, *, dedupe: bool = True) -> bool:
        """Queue the job, unless one with its id is queued, running or failed (dedupe)."""
        with self._changed:
            if dedupe and job_id in self._jobs:
                return False
            self._jobs[job_id] = LocalJob(job_id, name, tuple(args))
            self._changed.notify_all()
        return True

    def jobs(self) -> list[LocalJob]:
        with self._changed:
            return [LocalJob(**vars(job)) for job in self._jobs.values()]

    def retry(self, job_id: str) -> LocalJob | None:
        """Queue a failed job again, with its retries restored."""
        with self._changed:
            job = self._jobs.get(job_id)
            if job is None or job.status != FAILED:
                return None
            job.status, job.attempts, job.run_after, job.error = QUEUED, 0, utcnow(), ""
            self._changed.notify_all()
            return LocalJob(**vars(job))

    def clear(self) -> None:
        with self._changed:
            self._jobs.clear()

    def _take_due(self, now: datetime) -> LocalJob | None:
        with self._changed:
            for job in sorted(self._jobs.values(), key=lambda j: j.run_after):
                if job.status == QUEUED and job.run_after <= now:
                    job.status = RUNNING
                    job.attempts += 1
                    return job
        return None

    def run_due(self, now: datetime | None = None) -> int:
        """Run every job that is due (in this thread, inside the app); return how many ran.
        A failure is retried after its task's interval, then kept as failed."""
        ran = 0
        while (job := self._take_due(now or utcnow())) is not None:
            ran += 1
            try:
                registry.perform(job.name, *job.args)
            except Exception as error:  # noqa: BLE001 - recorded on the job, shown to staff
                self._failed(job, error)
            else:
                with self._changed:
                    self._jobs.pop(job.id, None)
                    self._changed.notify_all()
        return ran

    def _failed(self, job: LocalJob, error: Exception) -> None:
        intervals = registry.TASKS[job.name].retry_intervals if job.name in registry.TASKS else ()
        with self._changed:
            job.error = "".join(traceback.format_exception_only(error)).strip()[:2000]
            job.ended_at = utcnow()
            if job.attempts <= len(intervals):
                job.status = QUEUED
                job.run_after = job.ended_at + timedelta(seconds=intervals[job.attempts - 1])
            else:
                job.status = FAILED
            self._changed.notify_all()

    def start_thread(self, app) -> None:
        """Start this process's job thread once (the first job queued starts it)."""
        with self._changed:
            if self._thread is not None and self._thread.is_alive():
                return
            first = self._thread is None
            self._thread = threading.Thread(
                target=self._serve, args=(app,), name="portal-jobs", daemon=True
            )
            self._thread.start()
        if first:
            # A daemon thread dies with the process: a command's jobs run before it exits.
            atexit.register(self.drain, DRAIN_SECONDS)

    def drain(self, timeout: float) -> bool:
        """Wait until nothing is running or due now (retries later are left); True if so."""
        with self._changed:
            return self._changed.wait_for(self._idle, timeout=timeout)

    def _idle(self) -> bool:
        now = utcnow()
        return not any(
            job.status == RUNNING or (job.status == QUEUED and job.run_after <= now)
            for job in self._jobs.values()
        )

    def _serve(self, app) -> None:
        while True:
            with app.app_context():
                try:
                    self.run_due()
                except Exception:  # a job's own errors are caught in run_due
                    log.exception("the in-process job thread failed")
            with self._changed:
                self._changed.wait(timeout=self._seconds_to_next())

    def _seconds_to_next(self) -> float:
        queued = [job.run_after for job in self._jobs.values() if job.status == QUEUED]
        if not queued:
            return IDLE_WAKE_SECONDS
        return max(0.0, min((min(queued) - utcnow()).total_seconds(), IDLE_WAKE_SECONDS))


# One per process, like the thread that serves it.
QUEUE = LocalQueue()
