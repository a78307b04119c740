"""Registers each feature's command-line commands on the app."""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.certificates.cli import reminders_cli
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
