"""Registers each feature's command-line commands on the app, and `flask reminders send`,
which reminds people of tomorrow's appointments across features."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal import calendar
from portal.certificates.reminders import send_pickup_reminders
from portal.inspections.reminders import send_inspection_reminders

reminders_cli = AppGroup("reminders", help="Reminder emails for tomorrow's appointments.")


@reminders_cli.command("send")
def send_reminders_command() -> None:
    """Queue a reminder for each pickup and inspection tomorrow that has not had one.
    Safe to run as often as you like (e.g. hourly from cron): each is sent once."""
    today = calendar.local_today()
    # Email links use the configured public address, which url_for needs a request for.
    with current_app.test_request_context(base_url=current_app.config["PORTAL_BASE_URL"]):
        pickups = send_pickup_reminders(today)
        inspections = send_inspection_reminders(today)
    click.echo(
        f"Reminders queued: {pickups} pickup(s), {inspections} inspection(s). "
        "`flask outbox send` delivers them."
    )


def init_app(app: Flask) -> None:
    from portal.demo import seed_demo_command
    from portal.inspections.cli import inspections_cli
    from portal.notifications.cli import outbox_cli
    from portal.payments.cli import payments_cli
    from portal.permits.cli import permits_cli

    app.cli.add_command(inspections_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(payments_cli)
    app.cli.add_command(permits_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(seed_demo_command)
