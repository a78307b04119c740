"""The background tasks, across features, and when the worker's scheduler runs them.

Each task is idempotent: running it twice changes nothing the second time, because the
database records what is done (an outbox row claimed then marked sent, a receipt's file
set once by a conditional UPDATE, a certificate version's PDF and an export's file
likewise, a reminder's claim row). So a job retried after a
worker died mid-way, or queued twice by a sweep, is safe.

The database is the source of truth, not the queue: `outbox.send_due` (every minute)
sends every due message whatever became of its own `outbox.deliver` job, `receipts.sweep`
(every five minutes) queues `receipts.issue` again for each payment still waiting for its
receipt, and `certificates.sweep` (every five minutes) `certificates.render_pdf` for each
certificate version still without its PDF, `permits.import_sweep` (every five
minutes) `permits.import_file` for each permit import left queued or running too long, and
`exports.sweep` (every five minutes) `exports.write_csv` for each open-data export likewise
(and it removes the files of exports older than their time).
Work whose job was lost with Redis is done by the next sweep.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import calendar, jobs
from portal.certificates import rendering
from portal.certificates.reminders import send_expiry_reminders, send_pickup_reminders
from portal.extensions import db
from portal.inspections.reminders import send_inspection_reminders
from portal.models import utcnow
from portal.notifications.delivery import send_due, send_message
from portal.payments.cli import reconcile
from portal.payments.models import Payment
from portal.payments.receipt_delivery import DUE, issue_receipt
from portal.payments.stripe_client import test_mode
from portal.permits import exports, imports

SWEEP_LIMIT = 500
# How far back the daily reconcile asks Stripe: a missed day is still covered the next.
RECONCILE_DAYS = 3


@jobs.task("outbox.deliver", label=_l("Send an email"), timeout=120)
def deliver_email(message_id: str) -> None:
    send_message(message_id)


# Runs every minute anyway: a failed run is simply the next minute's to do.
@jobs.task("outbox.send_due", label=_l("Send due emails"), retry_intervals=(), timeout=600)
def send_due_emails() -> None:
    send_due(SWEEP_LIMIT)


@jobs.task("receipts.issue", label=_l("Make a receipt"), timeout=120)
def issue_one_receipt(payment_id: int) -> None:
    # ReceiptNotReady propagates: the queue retries it with backoff.
    issue_receipt(payment_id)


@jobs.task("receipts.sweep", label=_l("Queue receipts still to make"), retry_intervals=())
def sweep_receipts() -> int:
    """Queue `receipts.issue` for each payment with a receipt number and no receipt file;
    one already queued, running or failed for good is left as it is. Returns how many
    were queued."""
    due = db.session.scalars(select(Payment.id).where(*DUE).order_by(Payment.id).limit(SWEEP_LIMIT))
    return sum(jobs.enqueue("receipts.issue", payment_id) for payment_id in due.all())


@jobs.task(rendering.TASK, label=_l("Make a certificate's PDF"), timeout=120)
def render_certificate_pdf(version_id: int) -> None:
    # A render or store failure propagates: the queue retries it with backoff.
    rendering.render_version_pdf(version_id)


@jobs.task(
    "certificates.sweep", label=_l("Queue certificate PDFs still to make"), retry_intervals=()
)
def sweep_certificate_pdfs() -> int:
    """Queue `certificates.render_pdf` for each certificate version without its PDF; one
    already queued, running or failed for good is left as it is. Returns how many were
    queued."""
    return sum(
        jobs.enqueue(rendering.TASK, version_id)
        for version_id in rendering.pending_ids(SWEEP_LIMIT)
    )


@jobs.task(imports.TASK, label=_l("Import a permit file"), timeout=imports.RUN_SECONDS)
def import_permit_file(import_id: int) -> None:
    # A failure is recorded on the import, then propagates: the queue retries it.
    imports.run(import_id)


@jobs.task(
    "permits.import_sweep", label=_l("Queue permit imports left waiting"), retry_intervals=()
)
def sweep_permit_imports() -> int:
    """Queue `permits.import_file` for each import queued for a while without a run, or
    running longer than a run may take (its worker killed); one already queued, running
    or failed for good is left as it is. Returns how many were queued."""
    return sum(jobs.enqueue(imports.TASK, import_id) for import_id in imports.due_ids(SWEEP_LIMIT))


@jobs.task(exports.TASK, label=_l("Write an open-data export"), timeout=exports.RUN_SECONDS)
def write_export(export_id: int) -> None:
    # A failure is recorded on the export, then propagates: the queue retries it.
    exports.run(export_id)


@jobs.task(
    "exports.sweep", label=_l("Queue exports left waiting; remove old ones"), retry_intervals=()
)
def sweep_exports() -> int:
    """Queue `exports.write_csv` for each export queued for a while without a run, or
    running longer than a run may take; then remove the files of exports older than
    exports.EXPORT_KEPT_DAYS. Returns how many were queued."""
    due = exports.due_ids(SWEEP_LIMIT)
    queued = sum(jobs.enqueue(exports.TASK, export_id) for export_id in due)
    exports.remove_old_files(SWEEP_LIMIT)
    return queued


@jobs.task("reminders.send", label=_l("Send tomorrow's reminders"))
def send_reminders() -> None:
    """Pickups and inspections tomorrow, temporary certificates 30 and 7 days before they
    expire: each claimed once, so a second run the same day sends nothing."""
    today = calendar.local_today()
    send_pickup_reminders(today)
    send_inspection_reminders(today)
    send_expiry_reminders(today)


@jobs.task("payments.reconcile", label=_l("Reconcile online payments with Stripe"))
def reconcile_payments() -> None:
    """Fulfil any paid Checkout Session of the last few days whose webhook was lost."""
    if test_mode():
        return
    reconcile(utcnow() - timedelta(days=RECONCILE_DAYS))


@dataclass(frozen=True)
class Scheduled:
    """A task the worker's scheduler queues every `interval` seconds or on a `cron` line
    (in UTC)."""

    task: str
    interval: int | None = None
    cron: str | None = None


SCHEDULE = (
    Scheduled("outbox.send_due", interval=60),
    Scheduled("receipts.sweep", interval=300),
    Scheduled("certificates.sweep", interval=300),
    Scheduled("permits.import_sweep", interval=300),
    Scheduled("exports.sweep", interval=300),
    # 13:00 UTC is the morning in the Americas: reminders for tomorrow arrive today.
    Scheduled("reminders.send", cron="0 13 * * *"),
    Scheduled("payments.reconcile", cron="30 7 * * *"),
)
