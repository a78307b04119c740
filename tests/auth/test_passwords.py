"""Forgotten password (reset by emailed link) and changing the password when signed in."""

import re
import time

from portal import tokens
from portal.auth import passwords
from portal.extensions import db
from tests.factories import PASSWORD, make_user, sign_in_as
from tests.support.audit import audit_actions
from tests.support.mail import emails_to, link_path
from tests.support.pages import check_page

NEW = "a brand new passphrase"


def _ask_for_reset(client, email):
    return client.post("/account/password/forgot", data={"email": email}, follow_redirects=True)


def _without_csrf_token(page: bytes) -> bytes:
    # The token is signed with the time: two answers a second apart differ in it alone.
    return re.sub(rb'(name="csrf_token"[^>]*value=")[^"]+', rb"\1", page)


def _signed_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


def test_the_answer_is_the_same_whether_or_not_the_account_exists(client):
    make_user(email="known@example.com")
    form = client.get("/account/password/forgot")
    check_page(form.data)

    known = _ask_for_reset(client, "Known@example.com")
    unknown = _ask_for_reset(client, "unknown@example.com")
    assert known.status_code == unknown.status_code == 200
    assert _without_csrf_token(known.data) == _without_csrf_token(unknown.data)
    assert b"If an account uses that email address" in known.data
    check_page(known.data)
    assert len(emails_to("known@example.com")) == 1
    assert emails_to("unknown@example.com") == []


def test_a_reset_link_sets_the_password_once_and_ends_other_sessions(client, other_client):
    user = make_user(email="reset@example.com", verified=False)
    sign_in_as(other_client, user)
    assert _signed_in(other_client)
    old_token = user.session_token

    _ask_for_reset(client, "reset@example.com")
    [message] = emails_to("reset@example.com")
    path = link_path(message)
    page = client.get(path)
    assert page.status_code == 200
    assert b"reset@example.com" in page.data
    check_page(page.data)

    response = client.post(path, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302
    db.session.refresh(user)
    assert passwords.verify_password(user.password_hash, NEW)
    assert user.session_token != old_token
    assert user.password_changed_at is not None
    assert user.email_verified_at is not None  # the link came by email
    assert "account.password_reset" in audit_actions()
    assert len(emails_to("reset@example.com")) == 2  # the link, then "your password changed"

    assert _signed_in(client)
    assert not _signed_in(other_client)

    used = client.get(path)
    assert used.status_code == 400
    assert b"already been used" in used.data
    check_page(used.data)
    again = client.post(path, data={"password": "another passphrase", "confirm": "x"})
    assert again.status_code == 400
    db.session.refresh(user)
    assert passwords.verify_password(user.password_hash, NEW)


def test_a_refused_new_password_leaves_the_link_usable(client):
    user = make_user(email="picky@example.com")
    _ask_for_reset(client, "picky@example.com")
    path = link_path(emails_to("picky@example.com")[0])
    response = client.post(path, data={"password": "qwerty123456", "confirm": "qwerty123456"})
    assert response.status_code == 200
    assert b"most commonly used" in response.data
    check_page(response.data)
    db.session.refresh(user)
    assert passwords.verify_password(user.password_hash, PASSWORD)
    assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 302


def test_an_expired_reset_link_says_so(app, client, monkeypatch):
    user = make_user()
    real_time = time.time
    age = app.config["RESET_TOKEN_MAX_AGE"].total_seconds() + 60
    monkeypatch.setattr(time, "time", lambda: real_time() - age)
    token = tokens.make_token(
        "reset-password", {"uid": user.id, "fp": tokens.fingerprint(user.password_hash)}
    )
    monkeypatch.setattr(time, "time", real_time)
    response = client.get(f"/account/password/reset/{token}")
    assert response.status_code == 410
    assert b"This link has expired" in response.data
    assert b"Ask for a new link" in response.data
    check_page(response.data)


def test_a_forged_reset_link_is_refused(client):
    response = client.get("/account/password/reset/not-a-real-token")
    assert response.status_code == 400
    assert b"This link is not valid" in response.data
    check_page(response.data)


def test_changing_the_password_ends_every_other_session(client, other_client):
    user = make_user(email="change@example.com")
    sign_in_as(client, user)
    sign_in_as(other_client, user)
    page = client.get("/account/password")
    assert page.status_code == 200
    check_page(page.data)

    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW, "confirm": NEW},
        follow_redirects=True,
    )
    assert b"Every other session of your account has ended." in response.data
    check_page(response.data)
    db.session.refresh(user)
    assert passwords.verify_password(user.password_hash, NEW)
    assert user.password_changed_at is not None
    assert "account.password_changed" in audit_actions()
    [notice] = emails_to("change@example.com")
    assert "was just changed" in notice.body_text

    assert _signed_in(client)
    assert not _signed_in(other_client)


def test_changing_the_password_needs_the_current_one(client):
    user = make_user()
    sign_in_as(client, user)
    response = client.post(
        "/account/password",
        data={"current_password": "not my password", "password": NEW, "confirm": NEW},
    )
    assert response.status_code == 200
    assert b"Your current password is not right." in response.data
    check_page(response.data)
    db.session.refresh(user)
    assert passwords.verify_password(user.password_hash, PASSWORD)
    assert _signed_in(client)


def test_guessing_the_current_password_is_limited(client):
    sign_in_as(client, make_user())
    wrong = {"current_password": "not my password", "password": NEW, "confirm": NEW}
    for _attempt in range(5):
        assert client.post("/account/password", data=wrong).status_code == 200
    blocked = client.post("/account/password", data=wrong)
    assert blocked.status_code == 429
    assert b"try again in" in blocked.data
    check_page(blocked.data)
