"""`flask inspections seed-types`: the Chicago inspection catalogue, holidays and fee schedule."""

import click
from flask.cli import AppGroup

from portal.inspections import catalogue

inspections_cli = AppGroup("inspections", help="Inspection types, holidays and scheduling.")


@inspections_cli.command("seed-types")
def seed_types_command() -> None:
    """Add the missing inspection types, the 2026-2027 federal holidays and the first fee
    schedule. Safe to run again: nothing an administrator changed is overwritten."""
    added = catalogue.seed_types()
    click.echo(f"Inspection types added: {added}.")
