"""Against a real redis-server (REDIS_URL) and a real `flask worker` process: every email
is sent once however often its job is queued, and a job lost with Redis is redone by the
worker's own scheduled sweep. Skipped without REDIS_URL, except in CI (tests/conftest.py)."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import jobs
from portal.extensions import db
from portal.jobs import queueing
from portal.jobs.registry import perform
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.payments import services
from portal.payments.models import FeeKind, PaymentMethod
from tests.factories.payments import reload_payment
from tests.support.mail import queue

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def on_redis(app, monkeypatch, tmp_path):
    """The app on the real Redis, with a queue of its own (parallel test workers share it)."""
    name = f"portal-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "REDIS_URL", os.environ["REDIS_URL"])
    monkeypatch.setitem(app.config, "JOBS_QUEUE", name)
    monkeypatch.setitem(app.extensions, "portal_jobs_queue", None)
    queue = queueing.rq_queue()
    yield queue
    queue.delete(delete_jobs=True)


def _worker(app, tmp_path, *options) -> subprocess.Popen:
    config = app.config
    env = {
        **os.environ,
        "PORTAL_ENV": "test",
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": config["REDIS_URL"],
        "JOBS_QUEUE": config["JOBS_QUEUE"],
        "MAIL_FILE_DIR": config["MAIL_FILE_DIR"],
        "MAIL_SERVER": "",
        "DOCUMENT_STORE_PATH": config["DOCUMENT_STORE_PATH"],
        "SECRET_KEY": config["SECRET_KEY"],
        "PORTAL_BASE_URL": config["PORTAL_BASE_URL"],
    }
    log = (tmp_path / "worker.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "portal:create_app", "worker", *options],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait_until(check, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        if check():
            return
        time.sleep(0.5)
    raise AssertionError("the worker did not finish in time")


def test_a_real_worker_sends_each_email_once(app, on_redis, tmp_path):
    messages = [queue(to_address=f"person{n}@example.com", subject="Hello") for n in range(3)]
    ids = [message.message_id for message in messages]
    assert len(on_redis.job_ids) == 3
    # The same message queued again, as a retry or a second sweep would.
    jobs.enqueue("outbox.deliver", ids[0], dedupe=False)
    worker = _worker(app, tmp_path, "--burst")
    assert worker.wait(timeout=120) == 0, (tmp_path / "worker.log").read_text()
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(row.status, row.attempts) for row in rows] == [(OutboxStatus.SENT, 1)] * 3
    files = list(Path(app.config["MAIL_FILE_DIR"]).glob("*.eml"))
    assert len([f for f in files if any(i.strip("<>").split("@")[0] in f.name for i in ids)]) == 3


def test_a_job_lost_with_redis_is_redone_by_the_workers_sweep(
    app, on_redis, tmp_path, fixed_today, permit, inspector
):
    services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access at the visit")
    db.session.commit()
    fee_ids = [fee.id for fee in services.fees_for_permit(permit.id)]
    paid = services.record_counter_payment(
        permit, inspector, fee_ids, PaymentMethod.CASH, "C-3003"
    ).id
    assert f"receipts_issue-{paid}" in on_redis.job_ids
    # Redis restarted without its data: the queued job is gone.
    on_redis.delete(delete_jobs=True)
    worker = _worker(app, tmp_path)
    try:
        # The scheduler's first receipt sweep runs as the worker starts.
        _wait_until(lambda: reload_payment(paid).receipt_file_id is not None)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            raise
    sent = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.like("Receipt %"))
    ).all()
    assert len(sent) <= 1


def test_a_worker_started_while_a_dead_one_holds_the_scheduler_s_lock_takes_it_when_it_lapses(
    app, on_redis, tmp_path
):
    """The lock of a killed worker's retry scheduler lapses after about a minute (here
    15 s, longer than the new worker takes to start); the worker started meanwhile takes it
    at its next upkeep, so a job scheduled for a retry runs. With RQ's default upkeep (10
    minutes, and not while idle) it waited that long."""
    message = queue(to_address="person@example.com", subject="Hello")
    on_redis.empty()
    # The delivery failed once and is due again in a second, as RQ schedules a retry.
    on_redis.enqueue_in(timedelta(seconds=1), perform, "outbox.deliver", message.message_id)
    on_redis.connection.set(f"rq:scheduler-lock:{on_redis.name}", "a-killed-worker", ex=15)
    worker = _worker(app, tmp_path, "--no-scheduler", "--maintenance-seconds", "2")
    try:
        _wait_until(
            lambda: db.session.get(OutboxMessage, message.id).status == OutboxStatus.SENT, 60
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            raise
