"""The portal's languages: which one a request is in, how each writes dates and money, and
rendering something (an email, a PDF, a calendar file) in someone else's language.

A request is in the language its person chose: the choice remembered in the session (the
switcher's; signing in stores it as the account's preference, or starts the session with
the account's), else a signed-in person's account preference, else the browser's
Accept-Language, else English. Mail and files are made in their reader's language,
whoever's request makes them.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, time

from babel.numbers import format_decimal
from babel.support import NullTranslations
from flask import g, has_app_context, has_request_context, request, session
from flask_babel import Babel, Domain, force_locale, format_date, format_time, get_locale
from flask_babel import gettext as _
from flask_login import current_user

DEFAULT = "en"
# Each language by its own name, as the switcher offers it.
LANGUAGES = {"en": "English", "es": "Español"}
SESSION_KEY = "locale"
# Babel's conventions for the department's country: US dollars as "$1,250.00" in Spanish
# too (es_US), not "1.250,00 US$".
FORMATTING_LOCALE = {"en": "en_US", "es": "es_US"}
DATE_PATTERN = {"en": "d MMMM y", "es": "d 'de' MMMM 'de' y"}
TIME_PATTERN = {"en": ", h:mm a", "es": ", h:mm a"}
# How a browser's date picker shows a day in each language (mm/dd/yyyy in US English,
# dd/mm/aaaa in Spanish), so a hint's example looks like the control beside it.
CONTROL_DATE_PATTERN = {"en": "MM/dd/y", "es": "dd/MM/y"}

# How an email address's account prefers to read (auth registers it; None: no account).
_account_language: Callable[[str], str | None] = lambda _address: None  # noqa: E731


def supported(code: object) -> str | None:
    return code if isinstance(code, str) and code in LANGUAGES else None


def select() -> str:
    """Flask-Babel's locale selector."""
    if not has_request_context():
        return DEFAULT
    chosen = supported(session.get(SESSION_KEY))
    if chosen is None and current_user and current_user.is_authenticated:
        # Signed in by a remembered cookie: the session has no choice yet.
        chosen = supported(getattr(current_user, "locale", None))
    return chosen or request.accept_languages.best_match(LANGUAGES.keys()) or DEFAULT


def current() -> str:
    """The language now in force (a request's, or the one `rendering_in` forces)."""
    try:
        locale = get_locale()
    except RuntimeError:  # outside any app context: plain English
        return DEFAULT
    return supported(locale.language if locale is not None else None) or DEFAULT


def formatting_locale() -> str:
    return FORMATTING_LOCALE[current()]


def whole_number(value: int) -> str:
    """A count as the reader writes it: "10,000" (es_US groups thousands the same way)."""
    return format_decimal(value, locale=formatting_locale())


def date_pattern(*, weekday: bool = False, with_time: bool = False) -> str:
    """Babel's pattern for a day ("21 November 2026"), with the weekday first ("Saturday
    21 November 2026") or the time after ("21 November 2026, 2:05 PM")."""
    code = current()
    return (
        ("EEEE " if weekday else "")
        + DATE_PATTERN[code]
        + (TIME_PATTERN[code] if with_time else "")
    )


def weekday_date(value: date) -> str:
    """A day with its weekday, as messages name a visit: "Tuesday 26 May 2026"."""
    return format_date(value, date_pattern(weekday=True))


def control_date(value: date) -> str:
    """A day as the date picker shows it: "12/08/2026" in English, "08/12/2026" in Spanish."""
    return format_date(value, CONTROL_DATE_PATTERN[current()])


def hours_of_day(start: time, end: time) -> str:
    """Opening hours without their day: "9:00 AM to 10:00 AM"."""
    return _(
        "%(start)s to %(end)s",
        start=format_time(start, "h:mm a"),
        end=format_time(end, "h:mm a"),
    )


@dataclass(frozen=True)
class Hours:
    """A day and its opening hours (a pickup's time), written in the language in force
    whenever it is shown: pass it to a template, a lazy message or the timeline as is."""

    day: date
    start: time
    end: time

    def __str__(self) -> str:
        return _(
            "%(day)s, %(start)s to %(end)s",
            day=weekday_date(self.day),
            start=format_time(self.start, "h:mm a"),
            end=format_time(self.end, "h:mm a"),
        )


def register_account_language(lookup: Callable[[str], str | None]) -> None:
    """auth tells this module how to find an email address's preferred language."""
    global _account_language
    _account_language = lookup


def of_account(address: str | None) -> str | None:
    """The preferred language of the account with this email address; None without one."""
    return supported(_account_language(address)) if address else None


def for_address(address: str | None) -> str:
    """The language to write to `address` in: its account's preference, else English."""
    return of_account(address) or DEFAULT


_TRANSLATIONS_KEY = "_portal_translations"


class TranslationsOncePerContext(Domain):
    """Flask-Babel's message domain, looking the translations up once per request.

    Flask-Babel finds the request's locale and its catalog again on every call, through
    ten context-local look-ups (about 5 µs); a lazy label or a template string costs
    that each time it is shown, and a queue page shows a hundred (issue 17). The
    catalog is kept in `g` instead, until `rendering_in` changes the language."""

    def get_translations(self) -> NullTranslations:
        if not has_app_context():
            return super().get_translations()
        translations = g.get(_TRANSLATIONS_KEY)
        if translations is None:
            translations = g._portal_translations = super().get_translations()
        return translations


_DOMAIN = TranslationsOncePerContext()


def init_app(babel: Babel) -> None:
    """Make Flask-Babel's `gettext`, lazy strings included, use the domain above."""
    babel.domain_instance = _DOMAIN  # Flask-Babel's cached property, set once


def translations() -> NullTranslations:
    """The catalog of the language in force (the templates' `_()` reads it directly)."""
    return _DOMAIN.get_translations()


@contextmanager
def rendering_in(code: str) -> Iterator[None]:
    """Render in `code` whatever the current request's language (Flask-Babel's
    force_locale, and the translations kept for the request forgotten around it)."""
    g.pop(_TRANSLATIONS_KEY, None)
    try:
        with force_locale(supported(code) or DEFAULT):
            yield
    finally:
        g.pop(_TRANSLATIONS_KEY, None)
