"""`flask outbox send`: run it on a schedule (every minute) in production."""

import click
from flask.cli import AppGroup

from portal.notifications.delivery import send_due

outbox_cli = AppGroup("outbox", help="The email outbox.")


@outbox_cli.command("send")
@click.option("--limit", default=100, show_default=True, help="Most messages to send in one run.")
def send_command(limit: int) -> None:
    """Deliver due messages; a failed message is retried later, with backoff."""
    sent, failed = send_due(limit)
    click.echo(f"sent {sent}, failed {failed}")
