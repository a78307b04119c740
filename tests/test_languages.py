"""Choosing the language: the header's switcher (no JavaScript), remembered for the
session and as a signed-in person's account preference; Accept-Language on a first visit;
emails in the recipient's language; dates and money written the reader's way."""

from datetime import UTC, date, datetime

import pytest
from flask_babel import format_datetime

from portal import languages
from portal.auth.models import User
from portal.extensions import db
from portal.money import format_cents
from portal.template_helpers import long_date
from tests.factories import PASSWORD, make_user, sign_in_as
from tests.support import catalogs
from tests.support.audit import audit_entries
from tests.support.mail import newest_email_to
from tests.support.pages import check_page

SWITCH = "/account/language"


def spanish(msgid: str) -> str:
    return catalogs.spanish()[msgid].string


def html_lang(response) -> str:
    page = response.get_data(as_text=True)
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def switch(client, locale: str, back: str = "/account/sign-in"):
    return client.post(
        SWITCH, data={"locale": locale, "next": back, "csrf_token": client.csrf_token()}
    )


def test_every_page_offers_the_other_language_as_a_form(client):
    page = client.get("/account/sign-in").get_data(as_text=True)
    assert f'action="{SWITCH}"' in page
    assert 'name="locale" value="es"' in page
    assert '<button type="submit" class="usa-button' in page
    assert 'lang="es">Español</button>' in page


def test_the_switcher_changes_the_language_for_the_session_and_goes_back(client):
    response = switch(client, "es", back="/account/sign-in?next=%2Fpermits")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/sign-in?next=%2Fpermits"
    page = client.get("/account/sign-in", headers={"Accept-Language": "en"})
    check_page(page.data)
    assert html_lang(page) == "es"
    assert spanish("Sign in") in page.get_data(as_text=True)
    assert 'lang="en">English</button>' in page.get_data(as_text=True)

    switch(client, "en")
    assert html_lang(client.get("/account/sign-in", headers={"Accept-Language": "es"})) == "en"


def test_the_switcher_refuses_another_site_and_an_unknown_language(client):
    assert switch(client, "es", back="//evil.example/x").headers["Location"] == "/"
    response = switch(client, "klingon")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert spanish("Choose English or Spanish.") in page  # the session is in Spanish already


def test_a_signed_in_persons_choice_is_their_accounts_preference(app, client):
    person = make_user()
    sign_in_as(client, person)
    switch(client, "es", back="/account/profile")
    db.session.expire_all()
    assert db.session.get(User, person.id).locale == "es"
    [entry] = audit_entries("account.language_changed")
    assert entry.details == {"old": "en", "new": "es"}

    # Another browser of the same person, which says it prefers English, reads Spanish.
    elsewhere = app.test_client()
    sign_in_as(elsewhere, person)
    page = elsewhere.get("/account/profile", headers={"Accept-Language": "en"})
    assert html_lang(page) == "es"


def test_a_language_chosen_before_signing_in_becomes_the_accounts(client):
    person = make_user(email="ana@example.com")
    switch(client, "es")
    client.post(
        "/account/sign-in",
        data={"email": person.email, "password": PASSWORD, "csrf_token": client.csrf_token()},
    )
    db.session.expire_all()
    assert db.session.get(User, person.id).locale == "es"


def test_signing_up_in_spanish_keeps_spanish_for_emails(client):
    switch(client, "es")
    client.post(
        "/account/register",
        data={
            "name": "Ana Pérez",
            "email": "ana.perez@example.com",
            "phone": "312-555-0142",
            "password": "a long enough passphrase here",
            "confirm": "a long enough passphrase here",
            "csrf_token": client.csrf_token(),
        },
    )
    assert (
        db.session.scalar(db.select(User.locale).where(User.email == "ana.perez@example.com"))
        == "es"
    )
    assert newest_email_to("ana.perez@example.com").subject == spanish("Confirm your email address")


def test_an_email_is_in_the_recipients_language_whoever_sends_it(client):
    person = make_user(email="luis@example.com", locale="es")
    client.post(
        "/account/password/forgot",
        data={"email": person.email, "csrf_token": client.csrf_token()},
        headers={"Accept-Language": "en"},
    )
    message = newest_email_to(person.email)
    assert message.subject == spanish("Reset your password")


def test_dates_and_money_are_written_the_readers_way(app):
    day = date(2026, 11, 21)
    with app.test_request_context():
        assert (long_date(day), format_cents(125000)) == ("21 November 2026", "$1,250.00")
        with languages.rendering_in("es"):
            assert (long_date(day), format_cents(125000)) == (
                "21 de noviembre de 2026",
                "$1,250.00",
            )
            assert format_cents(-1999) == "-$19.99"
        assert long_date(day) == "21 November 2026"


@pytest.mark.parametrize(
    "moment",
    [
        # Naive (as SQLite returns them): UTC. The hour before Chicago's clocks go forward.
        datetime(2026, 3, 8, 7, 59, tzinfo=UTC).replace(tzinfo=None),
        datetime(2026, 3, 8, 8, 1, tzinfo=UTC),
        datetime(2026, 11, 1, 6, 30, tzinfo=UTC),  # the hour Chicago's clocks repeat
        datetime(2026, 11, 1, 7, 30, tzinfo=UTC).replace(tzinfo=None),
        datetime(2026, 12, 31, 23, 59, tzinfo=UTC),  # 5:59 PM in Chicago: still that day
    ],
)
def test_times_are_written_as_flask_babel_writes_them(app, moment):
    """The |datetime filter formats without Flask-Babel's per-call look-ups (issue 17): it must
    write what format_datetime writes, in the department's zone, in each language."""
    show = app.jinja_env.filters["datetime"]
    with app.test_request_context():
        for code in ("en", "es"):
            with languages.rendering_in(code):
                pattern = languages.date_pattern(with_time=True)
                assert show(moment) == format_datetime(moment, pattern)


@pytest.mark.parametrize(
    "moment",
    [
        # Naive (as SQLite returns them): UTC. Around Chicago's spring and autumn changes,
        # and 5:59 PM on New Year's Eve, still that day in Chicago.
        datetime(2026, 3, 8, 5, 59, tzinfo=UTC).replace(tzinfo=None),
        datetime(2026, 3, 8, 6, 1, tzinfo=UTC),
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 2, 5, 59, tzinfo=UTC).replace(tzinfo=None),
        datetime(2026, 11, 2, 6, 1, tzinfo=UTC).replace(tzinfo=None),
        datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
    ],
)
def test_a_pages_days_are_the_days_flask_babel_finds(app, moment):
    """A page's day formatter converts to the department's zone itself, once a page
    (issue 17): the day must be the one Flask-Babel's time zone conversion gives, and the
    same `|date` writes, in each language."""
    from flask_babel import format_date, to_user_timezone

    from portal.template_helpers import day_formatter

    show = app.jinja_env.filters["date"]
    with app.test_request_context():
        for code in ("en", "es"):
            with languages.rendering_in(code):
                expected = format_date(to_user_timezone(moment).date(), languages.date_pattern())
                assert day_formatter()(moment) == show(moment) == expected
                assert day_formatter()(moment.date()) == show(moment.date())


def test_wtforms_own_messages_follow_the_readers_language(app):
    """WTForms' catalogs are loaded once per process (issue 17), never one reader's
    language for another."""
    from portal.forms import WTFORMS_MESSAGES

    with app.test_request_context():
        for _ in range(2):
            assert WTFORMS_MESSAGES.gettext("Not a valid choice.") == "Not a valid choice."
            with languages.rendering_in("es"):
                assert WTFORMS_MESSAGES.gettext("Not a valid choice.") == "Opción inválida."


def test_labels_and_choices_translated_once_follow_the_readers_language(app):
    """Labels, choices and days are cached per language (issue 17): the cache must never
    give one reader's language to another."""
    from datetime import UTC, datetime

    from flask import render_template_string
    from wtforms import SelectChoice

    from portal.forms import TranslatedChoices
    from portal.permits.models import PermitStatus

    choices = TranslatedChoices([SelectChoice("x", PermitStatus.EXPIRED.label)])
    # 03:00 UTC on the 22nd is still the 21st in Chicago.
    late = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    template = "{{ status|label }} {{ day|date }}"
    with app.test_request_context():
        for _ in range(2):
            assert choices()[0].label == "Expired"
            assert PermitStatus.labels()[PermitStatus.EXPIRED] == "Expired"
            assert render_template_string(template, status=PermitStatus.EXPIRED, day=late) == (
                "Expired 21 November 2026"
            )
            with languages.rendering_in("es"):
                assert choices()[0].label == spanish("Expired")
                assert PermitStatus.labels()[PermitStatus.EXPIRED] == spanish("Expired")
                assert (
                    render_template_string(template, status=PermitStatus.EXPIRED, day=late)
                    == f"{spanish('Expired')} 21 de noviembre de 2026"
                )


def test_lazy_strings_and_gettext_follow_rendering_in_though_the_catalog_is_kept(app):
    """The catalog is looked up once per request (issue 17): a lazy label, gettext and a
    template's _() still change language inside `rendering_in` and change back after."""
    from flask import render_template_string
    from flask_babel import gettext
    from flask_babel import lazy_gettext as _l

    label = _l("Expired")
    with app.test_request_context(headers={"Accept-Language": "es"}):
        for _ in range(2):
            assert str(label) == gettext("Expired") == spanish("Expired")
            with languages.rendering_in("en"):
                assert str(label) == gettext("Expired") == "Expired"
                assert render_template_string('{{ _("Expired") }}') == "Expired"
            assert render_template_string('{{ _("Expired") }}') == spanish("Expired")
            assert str(label) == spanish("Expired")


def test_the_timeline_shows_words_and_days_in_the_readers_language(app):
    from datetime import time

    from portal import timeline
    from portal.inspections.models import Window
    from tests.factories import make_permit

    permit = make_permit()
    with app.test_request_context():
        scheduled = timeline.add(
            permit,
            "inspection.scheduled",
            name="Final",
            date=date(2026, 5, 26),
            window=Window.MORNING.label,
        )
        booked = timeline.add(
            permit, "pickup.booked", when=languages.Hours(date(2026, 5, 26), time(9), time(11))
        )
        db.session.commit()
        assert scheduled.text == (
            "Final inspection scheduled for Tuesday 26 May 2026, Morning (8 am to 12 noon)"
        )
        with languages.rendering_in("es"):
            assert scheduled.text == (
                "Inspección Final programada para el martes 26 de mayo de 2026, "
                + spanish("Morning (8 am to 12 noon)")
            )
            assert "martes 26 de mayo de 2026, de 9:00" in booked.text


def test_a_fee_email_names_the_fee_in_the_payers_language(app):
    from portal.inspections import catalogue
    from portal.payments import services as payment_services
    from portal.payments.models import FeeKind
    from portal.permits.models import PartyRole
    from tests.factories import add_party, make_permit

    catalogue.seed_types()
    owner = make_user(locale="es")
    permit = make_permit()
    add_party(permit, owner, PartyRole.OWNER)
    with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
        payment_services.assess_fee(permit, FeeKind.REINSPECTION, reason="No access")
        db.session.commit()
    message = newest_email_to(owner.email)
    assert message.subject == (
        f"Hay un cargo de reinspección de $150.00 por pagar en el permiso {permit.permit_num}"
    )
    assert "Ahora hay un cargo de reinspección de $150.00 por pagar" in message.body_text


@pytest.mark.parametrize(
    ("accept", "lang"), [("es", "es"), ("es-MX,es;q=0.9,en;q=0.5", "es"), ("en-US", "en")]
)
def test_the_first_visit_follows_accept_language(client, accept, lang):
    response = client.get("/", headers={"Accept-Language": accept})
    assert "Accept-Language" in response.headers["Vary"]
    page = response.get_data(as_text=True)
    assert f'<html lang="{lang}"' in page
    if lang == "es":
        assert "Portal de Ocupación" in page
        assert "Iniciar sesión" in page
