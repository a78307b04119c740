"""Email verification links: valid (and idempotent), expired, forged, renewed, resent."""

import time

from sqlalchemy import select

from portal import tokens
from portal.auth.models import User
from portal.extensions import db
from tests.factories import make_user, sign_in_as
from tests.support.audit import audit_actions
from tests.support.mail import emails_to, link_path
from tests.support.pages import check_page


def _verify_token(user: User) -> str:
    return tokens.make_token("verify-email", {"uid": user.id, "em": tokens.fingerprint(user.email)})


def _old_verify_token(user: User, age_seconds: int, monkeypatch) -> str:
    # itsdangerous stamps tokens with time.time(): sign as if it were age_seconds ago.
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - age_seconds)
    try:
        return _verify_token(user)
    finally:
        monkeypatch.setattr(time, "time", real_time)


def test_the_emailed_link_verifies_and_a_second_visit_is_harmless(client):
    client.post(
        "/account/register",
        data={
            "name": "Vera Fied",
            "email": "vera@example.com",
            "phone": "312 555 0101",
            "password": "a long test passphrase",
            "confirm": "a long test passphrase",
        },
    )
    [message] = emails_to("vera@example.com")
    client.post("/account/sign-out", data={})

    response = client.get(link_path(message))
    assert response.status_code == 200
    assert b"Thank you: your email address is confirmed." in response.data
    check_page(response.data)
    user = db.session.scalar(select(User).where(User.email == "vera@example.com"))
    db.session.refresh(user)
    verified_at = user.email_verified_at
    assert verified_at is not None
    assert "account.email_verified" in audit_actions()

    again = client.get(link_path(message))
    assert again.status_code == 200
    assert b"already confirmed" in again.data
    db.session.refresh(user)
    assert user.email_verified_at == verified_at


def test_an_expired_link_says_so_and_offers_a_new_one(app, client, monkeypatch):
    user = make_user(email="late@example.com", verified=False)
    max_age = int(app.config["EMAIL_TOKEN_MAX_AGE"].total_seconds())
    token = _old_verify_token(user, max_age + 60, monkeypatch)

    response = client.get(f"/account/verify/{token}")
    assert response.status_code == 410
    assert b"This link has expired" in response.data
    assert b"Send a new link" in response.data
    check_page(response.data)
    db.session.refresh(user)
    assert user.email_verified_at is None

    renewed = client.post("/account/verify/renew", data={"token": token})
    assert renewed.status_code == 302
    [message] = emails_to("late@example.com")
    assert client.get(link_path(message)).status_code == 200
    db.session.refresh(user)
    assert user.email_verified_at is not None


def test_a_link_far_too_old_cannot_be_renewed(app, client, monkeypatch):
    user = make_user(email="ancient@example.com", verified=False)
    token = _old_verify_token(user, 400 * 24 * 3600, monkeypatch)
    response = client.post("/account/verify/renew", data={"token": token})
    assert response.status_code == 400
    assert b"too old to renew" in response.data
    check_page(response.data)
    assert emails_to("ancient@example.com") == []


def test_a_forged_link_is_refused_clearly(client):
    user = make_user(verified=False)
    token = _verify_token(user)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = client.get(f"/account/verify/{forged}")
    assert response.status_code == 400
    assert b"This link is not valid" in response.data
    check_page(response.data)
    db.session.refresh(user)
    assert user.email_verified_at is None


def test_a_link_made_for_another_purpose_is_refused(client):
    user = make_user(verified=False)
    token = tokens.make_token(
        "reset-password", {"uid": user.id, "em": tokens.fingerprint(user.email)}
    )
    assert client.get(f"/account/verify/{token}").status_code == 400


def test_a_signed_in_user_can_ask_for_a_new_link(client):
    user = make_user(email="resend@example.com", verified=False)
    sign_in_as(client, user)
    profile = client.get("/account/profile")
    assert b"Send a new confirmation link" in profile.data
    check_page(profile.data)

    response = client.post("/account/verify/resend", data={}, follow_redirects=True)
    assert b"We sent a new link to resend@example.com" in response.data
    check_page(response.data)
    [message] = emails_to("resend@example.com")
    assert client.get(link_path(message)).status_code == 200


def test_a_verified_user_asking_again_is_told_so(client):
    user = make_user(email="done@example.com")
    sign_in_as(client, user)
    response = client.post("/account/verify/resend", data={}, follow_redirects=True)
    assert b"already verified" in response.data
    assert emails_to("done@example.com") == []


def test_a_stale_send_a_new_link_form_asks_again(client, monkeypatch):
    user = make_user(email="stale@example.com", verified=False)
    token = _old_verify_token(user, 3 * 24 * 3600, monkeypatch)
    response = client.post("/account/verify/renew", data={"token": token, "csrf_token": ""})
    assert response.status_code == 400
    assert b"Send a new link" in response.data
    assert f'value="{token}"' in response.text
    check_page(response.data)
    assert emails_to("stale@example.com") == []
