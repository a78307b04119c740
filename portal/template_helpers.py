"""Filters and globals the templates use: local times, money, labels."""

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from functools import lru_cache
from weakref import WeakKeyDictionary

from babel import dates
from babel.support import NullTranslations
from flask import Flask, has_app_context, request, url_for
from flask.templating import Environment
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
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


@lru_cache(maxsize=4096)
def _formatted_day(day: date, pattern: str, locale: str) -> str:
    # Babel takes 25-50 µs a day and a queue page shows dozens, mostly the same few days
    # (issue 17): each is formatted once per process, pattern and language.
    return dates.format_date(day, pattern, locale=locale)


def local_time(value: datetime | None) -> str:
    """``|datetime``: a time in the department's zone (a naive one is UTC), as Flask-Babel's
    format_datetime shows it: its day formatted once per process and language (as
    `|date`), then its time of day once per minute and language. Babel took 15-20 µs
    a call even with its pattern parsed once, and the staff record shows a dozen or
    more (issue 17); the pattern is the day's followed by the time's, so the two
    parts formatted apart are the same text."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(calendar.department_zone())
    language = languages.current()
    return _formatted_day(
        local.date(), languages.DATE_PATTERN[language], language
    ) + _formatted_time(local.hour, local.minute, languages.TIME_PATTERN[language], language)


@lru_cache(maxsize=4096)
def _formatted_time(hour: int, minute: int, pattern: str, locale: str) -> str:
    # A day has 1,440 minutes: each is formatted once per process, pattern and language.
    return dates.format_time(time(hour, minute), pattern, locale=locale)


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


@pass_eval_context
def _gettext(eval_ctx: EvalContext, string: str, /, **variables) -> str:
    """``_()`` and ``{% trans %}`` where no page's catalog was given (a macro imported
    without context, a template rendered outside a request): the catalog looked up on each
    call (see `catalog_callables`)."""
    return catalog_callables(languages.translations())["_"](eval_ctx, string, **variables)


@pass_eval_context
def _ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables) -> str:
    callables = catalog_callables(languages.translations())
    return callables["ngettext"](eval_ctx, singular, plural, num, **variables)


# Most templated strings: a few hundred per language; the bound only guards against a
# string built from data by mistake.
MOST_TEXTS = 20_000
_CATALOG_CALLABLES: "WeakKeyDictionary[NullTranslations, dict[str, Callable]]" = WeakKeyDictionary()


def catalog_callables(translations: NullTranslations) -> dict[str, Callable]:
    """The templates' ``_``, ``gettext`` and ``ngettext`` for one catalog, made once per
    process and catalog: jinja's "newstyle" gettext, called directly.

    Each page's context gets its language's (`init_app`'s context processor), so a call
    costs a dict look-up: jinja's own went through two more calls per string, and looking
    the catalog up in `g` on every call, a `pass_context` function (a context derived
    for every call in a block that sets a variable) and a new Markup for the same string
    cost 4-7 µs, and a page has a hundred (issue 17). The result is the same:
    translations are trusted markup, and the text is a format string, so "%%" is a
    percent sign even without variables; a string without variables is translated once
    per catalog."""
    callables = _CATALOG_CALLABLES.get(translations)
    if callables is not None:
        return callables
    texts: dict[str, str] = {}

    @pass_eval_context
    def gettext(eval_ctx: EvalContext, string: str, /, **variables) -> str:
        if eval_ctx.autoescape and not variables:
            text = texts.get(string)
            if text is None:
                if len(texts) >= MOST_TEXTS:
                    texts.clear()
                text = texts[string] = translated(eval_ctx, string, variables)
            return text
        return translated(eval_ctx, string, variables)

    def translated(eval_ctx: EvalContext, string: str, variables: dict) -> str:
        text = translations.ugettext(string)
        if eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - the portal's own reviewed catalog, as jinja's i18n
        return text % variables if variables or "%" in text else text

    @pass_eval_context
    def ngettext(
        eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables
    ) -> str:
        text = translations.ungettext(singular, plural, num)
        if eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - as in gettext
        variables.setdefault("num", num)
        return text % variables

    callables = {"_": gettext, "gettext": gettext, "ngettext": ngettext}
    # Outside an app context Flask-Babel gives a new empty catalog on every call, and one
    # kept here would never leave: the callables hold their catalog, so its weak key
    # never dies (a template rendered outside the app kept one per string shown).
    if has_app_context():
        _CATALOG_CALLABLES[translations] = callables
    return callables


def init_app(app: Flask) -> None:
    # What jinja2.ext.i18n's install_gettext_callables(newstyle=True) installs, without
    # its wrappers (see catalog_callables).
    app.jinja_env.add_extension(FragmentCache)
    app.jinja_env.newstyle_gettext = True  # type: ignore[attr-defined]
    app.jinja_env.globals.update(gettext=_gettext, ngettext=_ngettext, _=_gettext)

    app.add_template_filter(local_time, "datetime")

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
            # This language's `_`, `gettext` and `ngettext`, in place of the globals that
            # look the catalog up on every call (see `catalog_callables`).
            **catalog_callables(languages.translations()),
        }
