"""Queue a task after the commit of the change that causes it; list and retry jobs.

With REDIS_URL the job goes to RQ (`flask worker` runs it, with retries and their
intervals kept in Redis); without it, to this process's in-process queue (local.py).

Queueing happens after the commit, never before: a job never runs against a change that
was rolled back, and never before that change is visible to the worker. It is also never
what decides whether the user's action succeeded: if Redis is down at that moment the
enqueue is logged and dropped, and the database, which still says the work is pending
(an outbox row not sent, a receipt number without its file), makes the next sweep queue
it again (portal/tasks.py).

A job's id is its task and arguments (`receipts_issue-42`), so queueing the same work
again while it is queued, running or failed for good changes nothing: the sweeps can
queue freely, and failed work waits for staff rather than being retried for ever.
"""

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.jobs import local, registry

log = logging.getLogger(__name__)

PERFORM = "portal.jobs.registry.perform"
PENDING_KEY = "portal_jobs_after_commit"
# Failed jobs stay listed for staff this long (RQ's default is a year).
FAILURE_TTL_SECONDS = 30 * 24 * 3600
RESULT_TTL_SECONDS = 3600
# Queued, running, waiting for a retry or failed: queueing the same id again does nothing.
HELD = {
    JobStatus.QUEUED,
    JobStatus.STARTED,
    JobStatus.SCHEDULED,
    JobStatus.DEFERRED,
    JobStatus.FAILED,
}
LISTED = 50


class QueueUnavailable(DomainError):
    default_message = _l("The job queue cannot be reached right now. Try again in a few minutes.")


def job_id(name: str, args: tuple) -> str:
    """`receipts.issue`, 42 -> `receipts_issue-42`: RQ takes letters, digits, _ and - only."""
    return "-".join(re.sub(r"[^A-Za-z0-9]+", "_", str(part)) for part in (name, *args))


def rq_retry(task: registry.Task) -> Retry | None:
    """The task's retry policy as RQ takes it."""
    if not task.retry_intervals:
        return None
    return Retry(max=len(task.retry_intervals), interval=list(task.retry_intervals))


def redis_connection(url: str) -> Redis:
    # Short timeouts: a request that queues a job must not hang on a Redis that is away.
    return Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)


def rq_queue() -> Queue:
    """The app's RQ queue (one Redis connection pool per app)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queue = app.extensions.get("portal_jobs_queue")
    if queue is None:
        queue = Queue(
            app.config["JOBS_QUEUE"], connection=redis_connection(app.config["REDIS_URL"])
        )
        app.extensions["portal_jobs_queue"] = queue
    return queue


def on_redis() -> bool:
    return bool(current_app.config.get("REDIS_URL"))


def enqueue(name: str, *args, dedupe: bool = True) -> bool:
    """Queue the task now (callers inside a transaction use after_commit). Returns whether
    a job was queued: False when the same job is already queued, running or failed."""
    task = registry.get(name)
    identity = job_id(name, args)
    if not on_redis():
        queued = local.QUEUE.add(identity, name, args, dedupe=dedupe)
        if current_app.config["JOBS_LOCAL"] == "thread":
            local.QUEUE.start_thread(current_app._get_current_object())  # type: ignore[attr-defined]
        return queued
    queue = rq_queue()
    if dedupe:
        try:
            if Job.fetch(identity, connection=queue.connection).get_status() in HELD:
                return False
        except NoSuchJobError:
            pass
    # A retried job's old entry would otherwise still be listed as failed.
    FailedJobRegistry(queue=queue).remove(identity)
    queue.enqueue(
        PERFORM,
        name,
        *args,
        job_id=identity,
        retry=rq_retry(task),
        job_timeout=task.timeout,
        failure_ttl=FAILURE_TTL_SECONDS,
        result_ttl=RESULT_TTL_SECONDS,
        description=identity,
    )
    return True


def after_commit(name: str, *args) -> None:
    """Queue the task once the session's transaction commits (nothing if it rolls back)."""
    registry.get(name)
    session = db.session()
    if not session.in_transaction():
        # So a rollback before any SQL still drops the job (it ends this transaction).
        session.begin()
    session.info.setdefault(PENDING_KEY, []).append((name, args))


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, [])
    for name, args in pending:
        try:
            enqueue(name, *args)
        except Exception:  # noqa: BLE001 - the user's change is committed; a sweep redoes this
            log.exception("could not queue %s%r after the commit; the sweep will", name, args)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    # Every rollback() call, even of a transaction that never reached the database; a
    # savepoint's rollback leaves the outer transaction's jobs alone.
    if not session.in_transaction():
        session.info.pop(PENDING_KEY, None)


@dataclass(frozen=True)
class JobView:
    """One job as the staff page lists it."""

    id: str
    name: str
    label: object
    args: tuple
    status: str
    attempts: int
    enqueued_at: datetime | None
    ended_at: datetime | None
    run_after: datetime | None
    error: str


@dataclass(frozen=True)
class Overview:
    on_redis: bool
    queued: list[JobView]
    running: list[JobView]
    failed: list[JobView]
    # Redis could not be reached: the lists are empty because they could not be read.
    unreachable: bool = False


def _label(name: str) -> object:
    task = registry.TASKS.get(name)
    return task.label if task else name


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""


def _last_error(job: Job) -> str:
    result = job.latest_result()
    return _last_line(result.exc_string) if result is not None else ""


def _view(job: Job, status: str, run_after: datetime | None = None) -> JobView:
    name, *args = job.args or ("?",)
    task = registry.TASKS.get(name)
    retries = len(task.retry_intervals) if task else 0
    left = job.retries_left if job.retries_left is not None else retries
    return JobView(
        id=job.id,
        name=name,
        label=_label(name),
        args=tuple(args),
        status=status,
        attempts=max(retries - left, 0) + (1 if status == "failed" else 0),
        enqueued_at=_aware(job.enqueued_at),
        ended_at=_aware(job.ended_at),
        run_after=_aware(run_after),
        error=_last_error(job) if status != "running" else "",
    )


def _rq_overview() -> Overview:
    queue = rq_queue()
    connection = queue.connection
    try:
        queued = [_view(job, "queued") for job in queue.get_jobs(0, LISTED - 1)]
        scheduled = ScheduledJobRegistry(queue=queue)
        for identity in scheduled.get_job_ids(0, LISTED - 1):
            try:
                job = Job.fetch(identity, connection=connection)
            except NoSuchJobError:
                continue
            queued.append(_view(job, "queued", scheduled.get_scheduled_time(job)))
        running = [
            _view(job, "running")
            for job in Job.fetch_many(
                StartedJobRegistry(queue=queue).get_job_ids(0, LISTED - 1), connection=connection
            )
            if job is not None
        ]
        failed = [
            _view(job, "failed")
            for job in Job.fetch_many(
                FailedJobRegistry(queue=queue).get_job_ids(0, LISTED - 1), connection=connection
            )
            if job is not None and job.get_status() == JobStatus.FAILED
        ]
    except RedisError:
        log.exception("could not read the job queue")
        return Overview(True, [], [], [], unreachable=True)
    return Overview(True, queued, running, failed)


def _local_overview() -> Overview:
    lists: dict[str, list[JobView]] = {local.QUEUED: [], local.RUNNING: [], local.FAILED: []}
    for job in local.QUEUE.jobs():
        lists[job.status].append(
            JobView(
                id=job.id,
                name=job.name,
                label=_label(job.name),
                args=job.args,
                status=job.status,
                attempts=job.attempts,
                enqueued_at=job.enqueued_at,
                ended_at=job.ended_at,
                run_after=job.run_after if job.attempts else None,
                error=_last_line(job.error),
            )
        )
    return Overview(False, lists[local.QUEUED], lists[local.RUNNING], lists[local.FAILED])


def overview() -> Overview:
    """Queued (including those waiting for a retry), running and failed-for-good jobs."""
    return _rq_overview() if on_redis() else _local_overview()


def retry(identity: str, actor) -> bool:
    """Queue a job that failed for good again, with its retries restored, and audit it.
    False when no such job is failed (already retried, or gone); QueueUnavailable when
    Redis cannot be reached. Commits."""
    if on_redis():
        queue = rq_queue()
        try:
            job = Job.fetch(identity, connection=queue.connection)
            if job.get_status() != JobStatus.FAILED or not job.args:
                return False
            name, *args = job.args
            enqueue(name, *args, dedupe=False)
        except NoSuchJobError:
            return False
        except RedisError:
            log.exception("could not retry job %s", identity)
            raise QueueUnavailable() from None
    else:
        found = local.QUEUE.retry(identity)
        if found is None:
            return False
        name = found.name
        if current_app.config["JOBS_LOCAL"] == "thread":
            local.QUEUE.start_thread(current_app._get_current_object())  # type: ignore[attr-defined]
    audit.record("job.retried", None, actor=actor, job=identity, task=name)
    db.session.commit()
    return True
