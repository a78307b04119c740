"""Placeholder; `flask seed-demo` is written once every feature exists."""

import click


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True)
def seed_demo_command(if_empty: bool) -> None:
    """Load demo data."""
