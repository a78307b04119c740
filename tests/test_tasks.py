"""The background tasks run twice change nothing the second time, and the sweeps queue again
what the database still shows pending (a job lost with Redis, or never queued)."""

from datetime import timedelta
from pathlib import Path

import pytest

from portal import calendar, jobs, tasks
from portal.extensions import db
from portal.notifications.models import OutboxStatus
from portal.payments import services
from portal.payments.models import FeeKind, PaymentMethod
from tests.factories.inspections import THURSDAY, make_request, schedule
from tests.factories.payments import reload_payment
from tests.support.jobs import queued_jobs, run_jobs
from tests.support.mail import outbox, queue, receipts_sent


@pytest.fixture
def paid(fixed_today, permit, inspector):
    """A counter payment just recorded: its receipt is numbered, not yet made."""
    services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access at the visit")
    db.session.commit()
    fee_ids = [fee.id for fee in services.fees_for_permit(permit.id)]
    payment = services.record_counter_payment(
        permit, inspector, fee_ids, PaymentMethod.CASH, "C-1001"
    )
    return payment.id


def _mail_files(app) -> list[Path]:
    return sorted(Path(app.config["MAIL_FILE_DIR"]).glob("*.eml"))


def test_an_email_is_sent_by_the_job_its_commit_queued_and_twice_is_once(app):
    message = queue(subject="Your permit")
    assert queued_jobs() == [jobs.queueing.job_id("outbox.deliver", (message.message_id,))]
    before = _mail_files(app)
    run_jobs()
    db.session.expire_all()
    [sent] = outbox()
    assert sent.status == OutboxStatus.SENT
    first = sent.sent_at
    assert len(_mail_files(app)) == len(before) + 1

    jobs.enqueue("outbox.deliver", message.message_id)
    tasks.send_due_emails()
    run_jobs()
    db.session.expire_all()
    [again] = outbox()
    assert (again.status, again.sent_at, again.attempts) == (OutboxStatus.SENT, first, 1)
    assert len(_mail_files(app)) == len(before) + 1


def test_a_receipt_is_made_by_its_job_once_however_often_it_runs(app, paid, owner):
    assert f"receipts_issue-{paid}" in queued_jobs()
    run_jobs()
    payment = reload_payment(paid)
    assert payment.receipt_file is not None
    receipt = payment.receipt_file_id
    # The receipt's email was queued by that job's commit, and sent by the next job.
    [email] = receipts_sent()
    assert email.status == OutboxStatus.SENT

    jobs.enqueue("receipts.issue", paid)
    run_jobs()
    tasks.issue_one_receipt(paid)
    assert reload_payment(paid).receipt_file_id == receipt
    assert len(receipts_sent()) == 1


def test_the_sweep_queues_again_a_receipt_whose_job_was_lost(app, paid):
    # Redis restarted without the job: the in-process queue forgets it the same way.
    jobs.local.QUEUE.clear()
    assert reload_payment(paid).receipt_file is None
    assert tasks.sweep_receipts() == 1
    assert queued_jobs() == [f"receipts_issue-{paid}"]
    # Already queued: a second sweep adds nothing.
    assert tasks.sweep_receipts() == 0
    run_jobs()
    assert reload_payment(paid).receipt_file is not None
    assert len(receipts_sent()) == 1
    assert tasks.sweep_receipts() == 0


def test_the_outbox_sweep_sends_a_message_whose_job_was_lost(app):
    queue(subject="Lost job")
    jobs.local.QUEUE.clear()
    tasks.send_due_emails()
    db.session.expire_all()
    assert [message.status for message in outbox()] == [OutboxStatus.SENT]


def test_the_schedule_names_real_tasks_and_runs_reminders_and_outbox_often_enough():
    by_task = {item.task: item for item in tasks.SCHEDULE}
    assert set(by_task) <= set(jobs.registry.TASKS)
    assert by_task["outbox.send_due"].interval == 60
    assert by_task["receipts.sweep"].interval == 300
    assert by_task["reminders.send"].cron == "0 13 * * *"
    assert by_task["payments.reconcile"].cron is not None


def test_reminders_twice_in_a_day_send_once(
    app, fixed_today, permit, owner, inspector, monkeypatch
):
    schedule(make_request(permit, owner), inspector)
    monkeypatch.setattr(calendar, "local_today", lambda: THURSDAY - timedelta(days=1))
    before = len(outbox())
    tasks.send_reminders()
    reminded = len(outbox())
    assert reminded > before
    tasks.send_reminders()
    assert len(outbox()) == reminded
