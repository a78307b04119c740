"""Filters and globals the templates use: local times, money, labels."""

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime


def init_app(app: Flask) -> None:
    @app.template_filter("datetime")
    def datetime_filter(value: datetime | None) -> str:
        if value is None:
            return ""
        # Flask-Babel shows aware times in BABEL_DEFAULT_TIMEZONE, the department's zone.
        return format_datetime(value, "d MMMM y, h:mm a")

    @app.template_filter("date")
    def date_filter(value: date | datetime | None) -> str:
        if value is None:
            return ""
        return format_date(value, "d MMMM y")

    @app.template_filter("money")
    def money_filter(cents: int | None) -> str:
        if cents is None:
            return ""
        return f"${cents / 100:,.2f}"

    @app.context_processor
    def portal_globals():
        return {
            "department": app.config["PORTAL_DEPARTMENT"],
            "city": app.config["PORTAL_CITY"],
        }
