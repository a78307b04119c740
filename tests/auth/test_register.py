"""Registration: the good path, each password rule, duplicates, stale forms, `next`."""

import pytest
from sqlalchemy import func, select

from portal.auth.models import Role, User
from portal.extensions import db
from portal.forms import STALE_FORM_MESSAGE
from tests.factories import PASSWORD, make_user
from tests.support.audit import audit_actions
from tests.support.mail import emails_to
from tests.support.pages import check_page

GOOD = {
    "name": "Ada Owner",
    "email": "  Ada.Owner@Example.COM ",
    "phone": "312-555-0199",
    "password": PASSWORD,
    "confirm": PASSWORD,
}


def _users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def _assert_kept_values(html: str, password: str) -> None:
    assert 'value="Ada Owner"' in html
    assert 'value="312-555-0199"' in html
    assert password not in html


def test_register_page_passes_the_page_checker(client):
    response = client.get("/account/register?next=/permits/")
    assert response.status_code == 200
    check_page(response.data)
    assert 'name="next" type="hidden" value="/permits/"' in response.text


def test_registering_creates_a_signed_in_applicant_and_emails_a_link(client):
    response = client.post("/account/register", data=GOOD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    user = db.session.scalar(select(User))
    assert user.email == "ada.owner@example.com"
    assert user.role == Role.APPLICANT
    assert user.email_verified_at is None
    assert user.password_hash.startswith("$argon2id$")
    assert "account.registered" in audit_actions()
    [message] = emails_to("ada.owner@example.com")
    assert "/account/verify/" in message.body_text

    profile = client.get("/account/profile")
    assert profile.status_code == 200
    assert b"ada.owner@example.com" in profile.data
    check_page(profile.data)


def test_sign_up_never_makes_staff(client):
    client.post("/account/register", data={**GOOD, "role": "admin"})
    assert db.session.scalar(select(User.role)) == Role.APPLICANT


def test_registering_returns_to_a_safe_next_page(client):
    response = client.post("/account/register", data={**GOOD, "next": "/permits/invitations/x"})
    assert response.headers["Location"] == "/permits/invitations/x"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_registering_ignores_a_next_to_another_site(client, target):
    response = client.post("/account/register", data={**GOOD, "next": target})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("password", "confirm", "complaint"),
    [
        ("short pass", "short pass", "at least 12 characters"),
        ("qwerty123456", "qwerty123456", "most commonly used"),
        (PASSWORD, PASSWORD + "x", "do not match"),
    ],
)
def test_a_refused_password_keeps_the_other_answers(client, password, confirm, complaint):
    response = client.post(
        "/account/register", data={**GOOD, "password": password, "confirm": confirm}
    )
    assert response.status_code == 200
    html = response.text
    assert complaint in html
    assert 'value="ada.owner@example.com"' in html
    _assert_kept_values(html, password)
    check_page(response.data)
    assert "<title>Error:" in html
    assert _users() == 0


def test_a_password_with_no_composition_is_fine(client):
    response = client.post(
        "/account/register",
        data={**GOOD, "password": "correct horse battery", "confirm": "correct horse battery"},
    )
    assert response.status_code == 302


def test_a_taken_email_gets_a_clear_message(client):
    make_user(email="ada.owner@example.com")
    response = client.post("/account/register", data=GOOD)
    assert response.status_code == 200
    assert "An account with this email address already exists" in response.text
    _assert_kept_values(response.text, PASSWORD)
    check_page(response.data)
    assert _users() == 1


def test_a_stale_form_keeps_what_was_typed(client):
    response = client.post("/account/register", data={**GOOD, "csrf_token": ""})
    assert response.status_code == 200
    assert str(STALE_FORM_MESSAGE) in response.text
    _assert_kept_values(response.text, PASSWORD)
    check_page(response.data)
    assert _users() == 0


def test_a_signed_in_user_is_sent_on_from_the_register_page(client):
    client.post("/account/register", data=GOOD)
    response = client.get("/account/register?next=/permits/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/permits/"
