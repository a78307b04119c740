"""`flask outbox send`: run it on a schedule (every minute) in production."""

import click
from flask import current_app
from flask.cli import AppGroup

from portal.notifications.delivery import send_due
from portal.payments.receipt_delivery import issue_due_receipts

outbox_cli = AppGroup("outbox", help="The email outbox.")


@outbox_cli.command("send")
@click.option("--limit", default=100, show_default=True, help="Most messages to send in one run.")
def send_command(limit: int) -> None:
    """Issue due receipts, then deliver due messages; a failed message is retried later,
    with backoff, and a receipt that could not be rendered at the next run."""
    # Receipts are rendered here rather than in the payment's request; their emails join
    # the outbox, so this run sends them. Receipt emails build links: a request context.
    with current_app.test_request_context(base_url=current_app.config["PORTAL_BASE_URL"]):
        issued, not_ready = issue_due_receipts(limit)
    if issued or not_ready:
        click.echo(f"receipts issued {issued}, not ready {not_ready}")
    sent, failed = send_due(limit)
    click.echo(f"sent {sent}, failed {failed}")
