"""Jobs are queued after the commit (never on a rollback, never failing the user's change),
once per piece of work, retried with backoff and kept as failed for staff when they fail
for good; on RQ (fakeredis stands in for the server) and in-process alike."""

import logging
from datetime import timedelta

import fakeredis
import pytest
from rq import SimpleWorker
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry

from portal import jobs
from portal.extensions import db
from portal.jobs import local, queueing, registry
from portal.models import utcnow
from tests.support.jobs import queued_jobs, run_jobs

CALLS: list[tuple] = []
FAILURES = {"left": 0}


@jobs.task("tests.record", label="Record a call", retry_intervals=(10, 60))
def _record(*args) -> None:
    if FAILURES["left"] > 0:
        FAILURES["left"] -= 1
        raise RuntimeError("the service is away")
    CALLS.append(args)


@pytest.fixture(autouse=True)
def _fresh():
    CALLS.clear()
    FAILURES["left"] = 0


@pytest.fixture
def on_fake_redis(app, monkeypatch):
    """The RQ backend, on an in-memory Redis."""
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://fake")
    queue = queueing.Queue(app.config["JOBS_QUEUE"], connection=fakeredis.FakeStrictRedis())
    monkeypatch.setitem(app.extensions, "portal_jobs_queue", queue)
    return queue


def _work(queue) -> None:
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_a_job_is_queued_by_the_commit_and_dropped_by_a_rollback(app):
    jobs.after_commit("tests.record", 1)
    assert queued_jobs() == []
    db.session.commit()
    assert queued_jobs() == ["tests_record-1"]

    jobs.after_commit("tests.record", 2)
    db.session.rollback()
    db.session.commit()
    assert queued_jobs() == ["tests_record-1"]
    assert run_jobs() == 1
    assert CALLS == [(1,)]


def test_the_same_work_queued_twice_is_one_job(app):
    assert jobs.enqueue("tests.record", 7)
    assert not jobs.enqueue("tests.record", 7)
    run_jobs()
    assert CALLS == [(7,)]


def test_a_queue_that_cannot_be_reached_never_fails_the_commit(app, monkeypatch, caplog):
    # Nothing listens on port 1: the enqueue after the commit fails, the change stands.
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.extensions, "portal_jobs_queue", None)
    jobs.after_commit("tests.record", 3)
    with caplog.at_level(logging.ERROR, logger="portal.jobs.queueing"):
        db.session.commit()
    assert "could not queue tests.record(3,) after the commit" in caplog.text


def test_in_process_a_failure_is_retried_after_its_interval_then_fails_for_good(app):
    FAILURES["left"] = 5
    jobs.enqueue("tests.record", 4)
    assert run_jobs() == 1
    [job] = local.QUEUE.jobs()
    assert (job.status, job.attempts) == ("queued", 1)
    assert "RuntimeError: the service is away" in job.error
    # Not before its first interval (10 s) ...
    assert run_jobs(utcnow() + timedelta(seconds=5)) == 0
    assert run_jobs(utcnow() + timedelta(seconds=11)) == 1
    [job] = local.QUEUE.jobs()
    assert job.run_after - job.ended_at == timedelta(seconds=60)
    run_jobs(utcnow() + timedelta(seconds=61))
    [job] = local.QUEUE.jobs()
    assert (job.status, job.attempts) == ("failed", 3)
    # Failed for good: not run again, and not queued again by a sweep.
    assert run_jobs(utcnow() + timedelta(days=1)) == 0
    assert not jobs.enqueue("tests.record", 4)


def test_every_task_says_its_retries_and_rq_gets_them(app):
    tasks = registry.TASKS
    assert tasks["receipts.issue"].retry_intervals == registry.DEFAULT_RETRY_INTERVALS
    assert tasks["outbox.deliver"].retry_intervals == registry.DEFAULT_RETRY_INTERVALS
    # The periodic ones are simply run again at their next time.
    assert tasks["outbox.send_due"].retry_intervals == ()
    assert queueing.rq_retry(tasks["outbox.send_due"]) is None
    retry = queueing.rq_retry(tasks["receipts.issue"])
    assert (retry.max, retry.intervals) == (5, [30, 120, 600, 1800, 7200])


def test_on_rq_a_job_carries_its_retries_and_is_queued_once(app, on_fake_redis):
    assert jobs.enqueue("tests.record", 5)
    assert not jobs.enqueue("tests.record", 5)
    job = Job.fetch("tests_record-5", connection=on_fake_redis.connection)
    assert (job.retries_left, job.retry_intervals) == (2, [10, 60])
    assert job.timeout == registry.DEFAULT_TIMEOUT_SECONDS
    assert on_fake_redis.job_ids == ["tests_record-5"]
    _work(on_fake_redis)
    assert CALLS == [(5,)]


def test_on_rq_a_failure_waits_for_its_interval(app, on_fake_redis):
    FAILURES["left"] = 1
    jobs.enqueue("tests.record", 6)
    _work(on_fake_redis)
    job = Job.fetch("tests_record-6", connection=on_fake_redis.connection)
    assert job.get_status() == JobStatus.SCHEDULED
    assert job.retries_left == 1
    [listed] = jobs.overview().queued
    assert listed.run_after is not None
    assert timedelta(seconds=5) < listed.run_after - utcnow() <= timedelta(seconds=10)


def test_on_rq_failed_for_good_is_listed_and_retry_queues_it_again(app, on_fake_redis):
    # No retries left: the RQ worker moves it straight to the failed registry.
    FAILURES["left"] = 1
    jobs.enqueue("tests.record", 8)
    job = Job.fetch("tests_record-8", connection=on_fake_redis.connection)
    job.retries_left = 0
    job.save()
    _work(on_fake_redis)
    [failed] = jobs.overview().failed
    assert (failed.id, failed.args, failed.status) == ("tests_record-8", (8,), "failed")
    assert "RuntimeError: the service is away" in failed.error
    assert not jobs.enqueue("tests.record", 8)

    assert jobs.retry("tests_record-8", actor=None)
    assert FailedJobRegistry(queue=on_fake_redis).get_job_ids() == []
    job = Job.fetch("tests_record-8", connection=on_fake_redis.connection)
    assert job.retries_left == 2
    _work(on_fake_redis)
    assert CALLS == [(8,)]
    assert not jobs.retry("tests_record-8", actor=None)


def test_without_redis_a_thread_of_the_process_runs_the_job_after_the_commit(app):
    # Its own queue: the suite's shared one must stay manual.
    queue = local.LocalQueue()
    queue.add("tests_record-9", "tests.record", (9,))
    queue.start_thread(app)
    assert queue.drain(timeout=30)
    assert CALLS == [(9,)]
    assert queue.jobs() == []


def test_the_worker_command_starts_again_when_rq_quits_on_its_own(app, on_fake_redis, monkeypatch):
    """RQ's work() returns, without raising, when Redis times out while it waits: the command
    must run it again, and stop only when a signal asked it to."""
    from portal import worker as worker_module

    runs = []

    def work(self, **kwargs):
        runs.append(kwargs)
        if len(runs) == 3:
            self._shutdown_requested_date = utcnow()  # as RQ's SIGTERM handler does

    monkeypatch.setattr(worker_module.SimpleWorker, "work", work)
    monkeypatch.setattr(worker_module, "RECONNECT_SECONDS", 0)
    monkeypatch.setattr(queueing, "rq_queue", lambda: on_fake_redis)
    result = app.test_cli_runner().invoke(args=["worker", "--no-scheduler"])
    assert result.exit_code == 0, result.output
    assert len(runs) == 3
