"""Signing in and out: credentials, audit, rehashing, deactivated accounts, rate limits."""

import re

import pytest
from argon2 import PasswordHasher, extract_parameters, profiles
from sqlalchemy import select

from portal import create_app
from portal.audit import AuditEvent
from portal.auth import passwords
from portal.auth.models import Role
from portal.extensions import db
from portal.forms import STALE_FORM_MESSAGE
from tests.factories import PASSWORD, make_user, sign_in_as
from tests.support.audit import audit_actions
from tests.support.pages import check_page

SAME_MESSAGE = "The email address or password is not right"


def _sign_in(client, email, password=PASSWORD, address="127.0.0.1", **extra):
    return client.post(
        "/account/sign-in",
        data={"email": email, "password": password, **extra},
        environ_base={"REMOTE_ADDR": address},
    )


def _signed_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


def test_sign_in_page_passes_the_page_checker(client):
    response = client.get("/account/sign-in?next=/permits/")
    assert response.status_code == 200
    check_page(response.data)
    assert b"Forgotten your password?" in response.data


def test_signing_in_records_it_and_sets_a_safe_cookie(client):
    user = make_user(email="owner@example.com")
    response = _sign_in(client, "Owner@Example.com ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # only in production, where the site is served over HTTPS

    db.session.refresh(user)
    assert user.last_sign_in_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.signed_in"))
    assert event.actor_id == user.id
    assert event.ip_address == "127.0.0.1"
    assert _signed_in(client)


def test_signing_in_follows_a_safe_next_only(client):
    make_user(email="owner@example.com")
    response = _sign_in(client, "owner@example.com", next="/permits/?tab=1")
    assert response.headers["Location"] == "/permits/?tab=1"
    client.post("/account/sign-out", data={})
    response = _sign_in(client, "owner@example.com", next="https://evil.example/")
    assert response.headers["Location"] == "/"


def test_a_protected_page_sends_you_through_sign_in_and_back(client):
    make_user(email="owner@example.com")
    first = client.get("/account/profile")
    assert first.status_code == 302
    sign_in_page = client.get(first.headers["Location"])
    assert 'value="/account/profile"' in sign_in_page.text
    response = _sign_in(client, "owner@example.com", next="/account/profile")
    assert response.headers["Location"] == "/account/profile"


@pytest.mark.parametrize(
    ("email", "password"),
    [("owner@example.com", "not the right password"), ("nobody@example.com", PASSWORD)],
)
def test_a_wrong_email_or_password_gets_one_message(client, email, password):
    make_user(email="owner@example.com")
    response = _sign_in(client, email, password)
    assert response.status_code == 200
    assert SAME_MESSAGE in response.text
    assert 'value="' + email + '"' in response.text
    assert password not in response.text
    check_page(response.data)
    assert audit_actions() == ["account.sign_in_failed"]
    assert not _signed_in(client)


def test_a_deactivated_account_cannot_sign_in(client):
    make_user(email="gone@example.com", active=False)
    response = _sign_in(client, "gone@example.com")
    assert response.status_code == 200
    assert b"This account has been deactivated" in response.data
    check_page(response.data)
    assert not _signed_in(client)


def test_a_deactivated_account_loses_its_session(client):
    user = make_user()
    sign_in_as(client, user)
    assert _signed_in(client)
    user.active = False
    db.session.commit()
    assert not _signed_in(client)


def test_a_hash_with_old_parameters_is_upgraded_on_sign_in(client):
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    user = make_user(email="old@example.com")
    user.password_hash = weak
    db.session.commit()
    assert passwords.needs_rehash(user.password_hash)
    assert _sign_in(client, "old@example.com").status_code == 302
    db.session.refresh(user)
    assert user.password_hash != weak
    assert not passwords.needs_rehash(user.password_hash)
    assert passwords.verify_password(user.password_hash, PASSWORD)


@pytest.mark.usefixtures("restored_limiter")
def test_outside_the_test_suite_passwords_get_argon2s_recommended_parameters():
    """The suite's apps (TESTING) hash with argon2's smallest parameters to run quickly;
    any other app hashes with the library's recommended ones, and rehashes a test hash."""
    suites_hash = passwords.hash_password(PASSWORD)
    assert extract_parameters(suites_hash).memory_cost == 8
    production = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert not production.testing
    with production.app_context():
        hashed = passwords.hash_password(PASSWORD)
        assert passwords.verify_password(hashed, PASSWORD)
        assert passwords.verify_password(suites_hash, PASSWORD)
        assert passwords.needs_rehash(suites_hash)
        assert not passwords.needs_rehash(hashed)
    assert extract_parameters(hashed) == profiles.RFC_9106_LOW_MEMORY


def test_signing_out_ends_the_session(client):
    user = make_user()
    sign_in_as(client, user)
    response = client.post("/account/sign-out", data={}, follow_redirects=True)
    assert b"You have signed out." in response.data
    check_page(response.data)
    assert not _signed_in(client)
    assert "account.signed_out" in audit_actions()


def test_a_stale_sign_out_form_asks_again_and_keeps_you_signed_in(client):
    sign_in_as(client, make_user())
    response = client.post("/account/sign-out", data={"csrf_token": ""})
    assert response.status_code == 200
    assert str(STALE_FORM_MESSAGE) in response.text
    check_page(response.data)
    assert _signed_in(client)


def test_sign_out_is_not_a_get(client):
    sign_in_as(client, make_user())
    assert client.get("/account/sign-out").status_code == 405
    assert _signed_in(client)


def _minutes(response) -> int:
    match = re.search(r"try again in (\d+) minutes", response.text)
    assert match, response.text
    return int(match.group(1))


def test_too_many_failures_for_one_account_lock_it_from_every_address(client):
    make_user(email="target@example.com")
    make_user(email="bystander@example.com")
    for n in range(5):
        response = _sign_in(client, "target@example.com", "wrong password!", f"198.51.100.{n}")
        assert response.status_code == 200

    # Even the right password from a new address waits: the limit is on the account.
    blocked = _sign_in(client, "TARGET@example.com", PASSWORD, "203.0.113.9")
    assert blocked.status_code == 429
    assert 14 <= _minutes(blocked) <= 16
    assert blocked.headers["Retry-After"]
    check_page(blocked.data)
    assert not _signed_in(client)

    assert _sign_in(client, "bystander@example.com", PASSWORD, "203.0.113.9").status_code == 302


def test_too_many_failures_from_one_address_block_that_address(client):
    make_user(email="real@example.com")
    for n in range(20):
        response = _sign_in(client, f"guess{n}@example.com", "wrong password!", "198.51.100.7")
        assert response.status_code == 200

    blocked = _sign_in(client, "real@example.com", PASSWORD, "198.51.100.7")
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text
    assert 14 <= _minutes(blocked) <= 16
    check_page(blocked.data)

    assert _sign_in(client, "real@example.com", PASSWORD, "198.51.100.8").status_code == 302


def test_only_wrong_credentials_count_towards_the_limit(client):
    make_user(email="typo@example.com", role=Role.STAFF)
    for _attempt in range(8):
        response = _sign_in(client, "typo@example.com", "")
        assert b"Enter your password." in response.data
    assert _sign_in(client, "typo@example.com").status_code == 302


def test_a_signed_in_user_is_sent_on_from_the_sign_in_page(client):
    sign_in_as(client, make_user())
    response = client.get("/account/sign-in?next=/permits/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/permits/"
