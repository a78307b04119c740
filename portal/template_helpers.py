"""Filters and globals the templates use: local times, money, labels."""

from datetime import date, datetime

from flask import Flask, g
from flask_babel import format_date, format_datetime, get_translations

from portal import languages
from portal.money import format_cents


def long_date(value: date | datetime | None) -> str:
    """A day as pages, emails and certificates show it: "21 November 2026", in Spanish
    "21 de noviembre de 2026"."""
    if value is None:
        return ""
    return format_date(value, languages.date_pattern())


def _translations():
    # Flask-Babel looks the translations up again on every call (~5 µs); a page makes
    # a hundred or more calls, so look them up once per request (languages.rendering_in
    # forgets them when an email or a file is rendered in another language).
    translations = g.get("_portal_translations")
    if translations is None:
        translations = g._portal_translations = get_translations()
    return translations


def init_app(app: Flask) -> None:
    # jinja2.ext.i18n (which Flask-Babel loads) adds this method to the environment at run
    # time, so Environment's type does not declare it.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda string: _translations().ugettext(string),
        lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        newstyle=True,
    )

    @app.template_filter("datetime")
    def datetime_filter(value: datetime | None) -> str:
        if value is None:
            return ""
        # Flask-Babel shows aware times in BABEL_DEFAULT_TIMEZONE, the department's zone.
        return format_datetime(value, languages.date_pattern(with_time=True))

    @app.template_filter("date")
    def date_filter(value: date | datetime | None) -> str:
        return long_date(value)

    @app.template_filter("money")
    def money_filter(cents: int | None) -> str:
        if cents is None:
            return ""
        return format_cents(cents)

    @app.context_processor
    def portal_globals():
        return {
            "department": app.config["PORTAL_DEPARTMENT"],
            "city": app.config["PORTAL_CITY"],
            "languages": languages.LANGUAGES,
            "language": languages.current(),
        }
