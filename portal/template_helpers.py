"""Filters and globals the templates use: local times, money, labels."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache

from babel import dates
from flask import Flask, request, url_for
from flask.templating import Environment
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from portal import calendar, languages
from portal.fragments import FragmentCache
from portal.money import format_cents
from portal.navigation import Navigation, navigation
from portal.status_tags import status_tag
from portal.workflow import LabelledStatus


class PortalEnvironment(Environment):
    """Flask's template environment, giving every template the environment's globals dict
    itself.

    Jinja wraps a template's globals in a `ChainMap` over the environment's, in case a
    template is loaded with globals of its own, and copies that map into a dict for every
    render, import and include: 15-17 µs each on a ChainMap, 2 µs on a dict, and a page
    makes two to four (issue 17). The portal never loads a template with globals of its
    own, so there is nothing to layer; one that did still gets Jinja's map."""

    def make_globals(self, d):
        if not d:
            return self.globals
        return super().make_globals(d)


def long_date(value: date | datetime | None) -> str:
    """A day as pages, emails and certificates show it: "21 November 2026", in Spanish
    "21 de noviembre de 2026". A time is shown as its day in the department's time zone."""
    return day_formatter()(value)


def day_formatter() -> Callable[[date | datetime | None], str]:
    """`long_date` for the many days of one page, the language, its pattern and the
    department's zone looked up once: a queue shows a day on every row, and each call of
    `|date` looks them up again (11 µs a day, 26 µs for a time, most of it Flask-Babel's
    time zone look-up; issue 17). Templates: `{% set day = day_formatter() %}`, then
    `day(value)` where `value|date` would be."""
    pattern, locale = languages.date_pattern(), str(get_locale())
    zone = calendar.department_zone()

    def formatted(value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            value = value.astimezone(zone).date()
        return _formatted_day(value, pattern, locale)

    return formatted


@lru_cache(maxsize=16)
def _parsed(pattern: str) -> dates.DateTimePattern:
    return dates.parse_pattern(pattern)


@lru_cache(maxsize=4096)
def _formatted_day(day: date, pattern: str, locale: str) -> str:
    # Babel takes 25-50 µs a day and a queue page shows dozens, mostly the same few days
    # (issue 17): each is formatted once per process, pattern and language.
    return dates.format_date(day, pattern, locale=locale)


def site_navigation() -> Navigation:
    """The header's menu for the signed-in user (or a visitor) on this request's page."""
    signed_in = bool(current_user and current_user.is_authenticated)
    return navigation(
        signed_in=signed_in,
        is_staff=signed_in and current_user.is_staff,
        is_admin=signed_in and current_user.is_admin,
        endpoint=request.endpoint,
        view_args=request.view_args or {},
    )


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


@pass_context
def _gettext(context: Context, string: str, /, **variables) -> str:
    """``_()`` and ``{% trans %}`` in templates: jinja's "newstyle" gettext, called directly.

    Jinja's own goes through two more calls per string (``_`` resolves ``gettext`` in the
    context, which calls the translation function through the context), and a page has a
    hundred strings (issue 17). The result is the same: translations are trusted markup,
    and the text is a format string, so "%%" is a percent sign even without variables.
    """
    text = languages.translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - the portal's own reviewed catalog, as jinja's i18n
    return text % variables if variables or "%" in text else text


@pass_context
def _ngettext(context: Context, singular: str, plural: str, num: int, /, **variables) -> str:
    text = languages.translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - as in _gettext
    variables.setdefault("num", num)
    return text % variables


def init_app(app: Flask) -> None:
    # What jinja2.ext.i18n's install_gettext_callables(newstyle=True) installs, without
    # its wrappers (see _gettext).
    app.jinja_env.add_extension(FragmentCache)
    app.jinja_env.newstyle_gettext = True  # type: ignore[attr-defined]
    app.jinja_env.globals.update(gettext=_gettext, ngettext=_ngettext, _=_gettext)

    @app.template_filter("datetime")
    def datetime_filter(value: datetime | None) -> str:
        """A time in the department's zone (a naive one is UTC), as Flask-Babel's
        format_datetime shows it, without its per-call look-ups and pattern parsing: 30 µs
        a call, and the staff record shows sixty (issue 17)."""
        if value is None:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        local = value.astimezone(calendar.department_zone())
        return _parsed(languages.date_pattern(with_time=True)).apply(local, get_locale())

    @app.template_filter("date")
    def date_filter(value: date | datetime | None) -> str:
        return long_date(value)

    @app.template_filter("weekday_date")
    def weekday_date_filter(value: date) -> str:
        return languages.weekday_date(value)

    @app.template_filter("label")
    def label_filter(status: LabelledStatus) -> str:
        """``status|label``: the status's label as text, translated once per process and
        language; ``status.label`` is translated again each time it is shown (issue 17)."""
        return type(status).labels()[status]

    @app.template_filter("money")
    def money_filter(cents: int | None) -> str:
        if cents is None:
            return ""
        return format_cents(cents)

    app.jinja_env.globals.update(
        contact_link=contact_link,
        day_formatter=day_formatter,
        this_page=this_page,
        site_navigation=site_navigation,
        status_tag=status_tag,
    )

    @app.context_processor
    def portal_globals():
        return {
            "department": app.config["PORTAL_DEPARTMENT"],
            "city": app.config["PORTAL_CITY"],
            "languages": languages.LANGUAGES,
            "language": languages.current(),
        }
