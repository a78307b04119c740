"""Placeholder; the permits feature replaces it."""

from flask.cli import AppGroup

permits_cli = AppGroup("permits", help="Permits.")
