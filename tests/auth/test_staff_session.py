"""Staff sessions end after 30 idle minutes; applicants' sessions do not."""

from datetime import datetime, timedelta

from portal.auth.models import Role
from portal.models import utcnow
from tests.factories import make_user, sign_in_as


def _idle_for(client, minutes: int) -> None:
    with client.session_transaction() as session:
        session["last_seen"] = (utcnow() - timedelta(minutes=minutes)).isoformat()


def test_a_staff_session_ends_after_30_idle_minutes(app, client):
    assert app.config["STAFF_IDLE_TIMEOUT"] == timedelta(minutes=30)
    sign_in_as(client, make_user(role=Role.STAFF))
    assert client.get("/account/profile").status_code == 200

    _idle_for(client, 29)
    assert client.get("/account/profile").status_code == 200

    _idle_for(client, 31)
    response = client.get("/account/profile")
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]
    sign_in_page = client.get(response.headers["Location"])
    assert b"signed out after 30 minutes without activity" in sign_in_page.data
    assert client.get("/account/profile").status_code == 302


def test_activity_keeps_a_staff_session_alive(client):
    sign_in_as(client, make_user(role=Role.ADMIN))
    for _step in range(3):
        _idle_for(client, 20)
        assert client.get("/account/profile").status_code == 200


def test_an_applicant_session_does_not_end_when_idle(client):
    sign_in_as(client, make_user())
    _idle_for(client, 120)
    assert client.get("/account/profile").status_code == 200


def test_the_idle_clock_rewrites_the_session_cookie_at_most_once_a_minute(client):
    sign_in_as(client, make_user(role=Role.STAFF))
    client.get("/account/profile")  # the first page adds the CSRF token to the session
    _idle_for(client, 0)
    assert "Set-Cookie" not in client.get("/account/profile").headers

    _idle_for(client, 2)
    assert "session=" in client.get("/account/profile").headers["Set-Cookie"]
    with client.session_transaction() as session:
        assert utcnow() - datetime.fromisoformat(session["last_seen"]) < timedelta(minutes=1)
