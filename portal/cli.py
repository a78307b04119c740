"""Registers each feature's command-line commands on the app, and the two that work across
features: `flask reminders send` (tomorrow's appointments) and `flask outbox send` (due
receipts and certificate PDFs, then the email outbox). The worker (`flask worker`,
portal/worker.py) runs the same work on its own schedule; these stay for running it by
hand."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal import calendar
from portal.certificates.reminders import send_expiry_reminders, send_pickup_reminders
from portal.certificates.rendering import render_due
from portal.inspections.reminders import send_inspection_reminders
from portal.notifications.delivery import send_due
from portal.payments.receipt_delivery import issue_due_receipts

reminders_cli = AppGroup("reminders", help="Reminder emails for tomorrow's appointments.")


@reminders_cli.command("send")
def send_reminders_command() -> None:
    """Queue a reminder for each pickup and inspection tomorrow that has not had one, and
    for each temporary certificate 30 and 7 days before it expires. Safe to run as often as
    you like (e.g. hourly from cron): each is sent once."""
    today = calendar.local_today()
    # Email links use the configured public address, which url_for needs a request for.
    with current_app.test_request_context(base_url=current_app.config["PORTAL_BASE_URL"]):
        pickups = send_pickup_reminders(today)
        inspections = send_inspection_reminders(today)
        expiring = send_expiry_reminders(today)
    click.echo(
        f"Reminders queued: {pickups} pickup(s), {inspections} inspection(s), "
        f"{expiring} expiring temporary certificate(s). "
        "`flask outbox send` delivers them."
    )


outbox_cli = AppGroup("outbox", help="The email outbox.")


@outbox_cli.command("send")
@click.option("--limit", default=100, show_default=True, help="Most messages to send in one run.")
def send_outbox_command(limit: int) -> None:
    """Issue due receipts and make missing certificate PDFs, then deliver due messages; a
    failed message is retried later, with backoff, and a receipt or PDF that could not be
    rendered at the next run."""
    # Receipts and certificate PDFs are rendered here rather than in a request; their
    # emails join the outbox, so this run sends them. Emails build links: a request context.
    with current_app.test_request_context(base_url=current_app.config["PORTAL_BASE_URL"]):
        issued, not_ready = issue_due_receipts(limit)
        made, failed_pdfs = render_due(limit)
    if issued or not_ready:
        click.echo(f"receipts issued {issued}, not ready {not_ready}")
    if made or failed_pdfs:
        click.echo(f"certificate PDFs made {made}, failed {failed_pdfs}")
    sent, failed = send_due(limit)
    click.echo(f"sent {sent}, failed {failed}")


def init_app(app: Flask) -> None:
    from portal.demo import seed_demo_command
    from portal.documents.cli import documents_cli
    from portal.inspections.cli import inspections_cli
    from portal.payments.cli import payments_cli
    from portal.permits.cli import permits_cli
    from portal.worker import worker_command

    app.cli.add_command(documents_cli)
    app.cli.add_command(inspections_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(payments_cli)
    app.cli.add_command(permits_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(worker_command)
