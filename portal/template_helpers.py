"""Filters and globals the templates use: local times, money, labels."""

from datetime import date, datetime

from flask import Flask, g, request, url_for
from flask_babel import format_date, format_datetime, get_translations
from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal import languages
from portal.money import format_cents


def long_date(value: date | datetime | None) -> str:
    """A day as pages, emails and certificates show it: "21 November 2026", in Spanish
    "21 de noviembre de 2026"."""
    if value is None:
        return ""
    return format_date(value, languages.date_pattern())


def contact_link(message) -> Markup:
    """A message that tells the person to contact the department, followed by a link to the
    help page's contact details (admins keep them in the settings). The message's own words
    stay as they are, so each is translated once; the link's words are shared."""
    link = Markup(' <a href="%s">%s</a>') % (
        url_for("help.index", _anchor="contact"),
        _("How to contact the department"),
    )
    return escape(message) + link


def this_page() -> str:
    """This page's path (and query) for a form's `next` field. Control characters typed into
    the address bar are dropped: HTML cannot carry them, and `safe_next_url` refuses them."""
    path = request.full_path if request.query_string else request.path
    return "".join(char for char in path if ord(char) >= 32 and char != "\x7f")


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

    @app.template_filter("weekday_date")
    def weekday_date_filter(value: date) -> str:
        return languages.weekday_date(value)

    @app.template_filter("money")
    def money_filter(cents: int | None) -> str:
        if cents is None:
            return ""
        return format_cents(cents)

    app.jinja_env.globals.update(contact_link=contact_link, this_page=this_page)

    @app.context_processor
    def portal_globals():
        return {
            "department": app.config["PORTAL_DEPARTMENT"],
            "city": app.config["PORTAL_CITY"],
            "languages": languages.LANGUAGES,
            "language": languages.current(),
        }
