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


def test_signed_out_after_one_minute_says_minute(app, client):
    app.config["STAFF_IDLE_TIMEOUT"] = timedelta(minutes=1)
    try:
        sign_in_as(client, make_user(role=Role.STAFF))
        _idle_for(client, 2)
        page = client.get(client.get("/account/profile").headers["Location"])
        assert b"signed out after 1 minute without activity." in page.data
    finally:
        app.config["STAFF_IDLE_TIMEOUT"] = timedelta(minutes=30)


def test_a_form_sent_after_the_timeout_leads_back_to_its_page_after_sign_in(client):
    sign_in_as(client, make_user(role=Role.STAFF))
    _idle_for(client, 31)
    response = client.post(
        "/account/keep-alive",
        data={"next": "/staff/"},
        headers={"Referer": "http://localhost/staff/fees/7/waive?x=1"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/sign-in?next=/staff/fees/7/waive?x%3D1")


def test_a_form_from_another_site_does_not_choose_where_sign_in_leads(client):
    sign_in_as(client, make_user(role=Role.STAFF))
    _idle_for(client, 31)
    response = client.post("/account/keep-alive", headers={"Referer": "https://evil.example/x"})
    assert response.headers["Location"].endswith("/account/sign-in?next=/")


def test_stay_signed_in_restarts_the_idle_clock(client):
    sign_in_as(client, make_user(role=Role.STAFF))
    client.get("/account/profile")
    _idle_for(client, 29)
    response = client.post("/account/keep-alive", data={}, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 204
    with client.session_transaction() as session:
        assert utcnow() - datetime.fromisoformat(session["last_seen"]) < timedelta(minutes=1)
    without_script = client.post("/account/keep-alive", data={"next": "/account/profile"})
    assert without_script.headers["Location"] == "/account/profile"


def test_staff_pages_carry_the_idle_warning_and_applicant_pages_do_not(client):
    sign_in_as(client, make_user(role=Role.STAFF))
    page = client.get("/account/profile").get_data(as_text=True)
    assert 'id="idle-warning"' in page
    assert 'data-idle-seconds="1800" data-warn-seconds="120"' in page
    assert "js/idle_warning.js" in page
    client.post("/account/sign-out")
    sign_in_as(client, make_user(email="applicant@example.com"))
    assert 'id="idle-warning"' not in client.get("/account/profile").get_data(as_text=True)
