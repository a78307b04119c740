"""`flask reminders send`: tomorrow's pickups and inspections, each reminded once."""

import click
from flask import current_app
from flask.cli import AppGroup

from portal.certificates import reminders

reminders_cli = AppGroup("reminders", help="Reminder emails for tomorrow's appointments.")


@reminders_cli.command("send")
def send_command() -> None:
    """Queue a reminder for each pickup and inspection tomorrow that has not had one.
    Safe to run as often as you like (e.g. hourly from cron): each is sent once."""
    # Email links use the configured public address, which url_for needs a request for.
    with current_app.test_request_context(base_url=current_app.config["PORTAL_BASE_URL"]):
        count = reminders.send_reminders()
    click.echo(
        f"Reminders queued: {count.pickups} pickup(s), {count.inspections} inspection(s). "
        "`flask outbox send` delivers them."
    )
