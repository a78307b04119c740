"""The templates' `_()`, `|datetime` and money, made cheaper for issue 17, write what they
wrote before: each page's catalog bound once per process (`catalog_callables`), a string
without variables translated once, the time of day formatted once per minute."""

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from babel import dates
from babel.numbers import format_currency
from flask import render_template_string
from flask_babel import get_locale

from portal import calendar, languages, template_helpers
from portal.money import format_cents
from tests.support import catalogs


def spanish(msgid: str) -> str:
    return catalogs.spanish()[msgid].string


def test_template_strings_in_macros_loops_and_autoescape_follow_the_language(app):
    page = (
        '{% macro row(text) %}[{{ _("Permit details") }}|{{ text }}]{% endmacro %}'
        "{% set shown = 1 %}"
        '{{ _("Permit details") }}'
        '{% for n in [1, 2] %}{{ row(_("Timeline")) }}{% endfor %}'
        '{{ _("Permit %(num)s", num="<b>") }}'
        '{{ _("50%% done") }}'
        '{% autoescape false %}{{ _("Permit %(num)s", num="<b>") }}{% endautoescape %}'
    )
    for language in ("es", "en"):
        # A request of its own app context, as every real request has (the catalog is kept
        # in g for the app context).
        with app.app_context(), app.test_request_context(headers={"Accept-Language": language}):
            details, timeline = "Permit details", "Timeline"
            permit = "Permit %(num)s"
            if language == "es":
                details, timeline = spanish(details), spanish(timeline)
                permit = spanish(permit)
            for _ in range(2):  # the second time from the catalog's kept strings
                assert render_template_string(page) == (
                    details
                    + f"[{details}|{timeline}]" * 2
                    + permit % {"num": "&lt;b&gt;"}
                    + "50% done"
                    + permit % {"num": "<b>"}
                )


def test_datetime_shows_what_babel_shows_across_a_daylight_saving_change(app):
    start = datetime(2026, 3, 7, 12, tzinfo=UTC)  # the US change is on 8 March 2026
    shown = app.jinja_env.filters["datetime"]
    for language in ("en", "es"):
        with app.app_context(), app.test_request_context(headers={"Accept-Language": language}):
            pattern = languages.date_pattern(with_time=True)
            for minutes in range(0, 3 * 24 * 60, 17):
                value = start + timedelta(minutes=minutes)
                local = value.astimezone(calendar.department_zone())
                expected = dates.parse_pattern(pattern).apply(local, get_locale())
                assert shown(value) == expected
            aware = datetime(2026, 3, 8, 14, 5, tzinfo=UTC)
            assert shown(aware.replace(tzinfo=None)) == shown(aware)  # naive is UTC


def test_an_amount_is_written_for_each_locale_though_it_is_kept(app):
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        assert format_cents(125000) == "$1,250.00"
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "es"}):
        assert format_cents(125000) == format_currency(Decimal(1250), "USD", locale="es_US")
        assert format_cents(5) == format_currency(Decimal("0.05"), "USD", locale="es_US")


def test_a_template_rendered_outside_the_app_keeps_no_catalog(app):
    """Outside an app context each `_()` gets a new empty catalog from Flask-Babel: kept
    per catalog, each stayed for good (the callables refer to their catalog, so the weak
    key never went), one more per string shown."""
    page = app.jinja_env.from_string('{{ _("Permit details") }}')
    kept = len(template_helpers._CATALOG_CALLABLES)
    shown = []

    def render() -> None:  # a thread of its own: the test's app context is not there
        shown.extend(page.render() for _ in range(20))

    thread = threading.Thread(target=render)
    thread.start()
    thread.join(10)
    assert shown == ["Permit details"] * 20
    assert len(template_helpers._CATALOG_CALLABLES) <= kept
