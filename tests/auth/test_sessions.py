"""Sessions end on the server: a copy of the session cookie stops working once its owner
signs out (or ends their other sessions), and per-account limits outlive a new session."""

from portal.auth.models import Role
from portal.extensions import db
from portal.forms import STALE_FORM_MESSAGE
from portal.permits.routes import CLAIMS_PER_ACCOUNT
from tests.factories import PASSWORD, enrol_second_factor, make_user, next_totp_code
from tests.support.audit import audit_actions
from tests.support.pages import check_page

NEW = "a brand new passphrase"


def _sign_in(client, user) -> None:
    response = client.post("/account/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    if user.is_staff:
        response = client.post("/account/sign-in/code", data={"code": next_totp_code(user)})
        assert response.status_code == 302


def _copy_of_session(app, client):
    """A second browser holding a copy of the client's session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _lands_on_sign_in(response) -> bool:
    return response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(app, client):
    user = make_user(email="owner@example.com")
    _sign_in(client, user)
    thief = _copy_of_session(app, client)
    assert thief.get("/account/profile").status_code == 200

    client.post("/account/sign-out", data={})

    assert _lands_on_sign_in(thief.get("/account/profile"))
    assert _lands_on_sign_in(thief.get("/permits/"))


def test_a_copied_staff_cookie_stops_working_when_its_owner_signs_out(app, client):
    staff = make_user(email="sam.staff@example.com", role=Role.STAFF)
    enrol_second_factor(staff)
    _sign_in(client, staff)
    thief = _copy_of_session(app, client)
    assert thief.get("/staff/").status_code == 200

    client.post("/account/sign-out", data={})

    assert _lands_on_sign_in(thief.get("/staff/"))


def test_signing_in_again_after_signing_out_works(client):
    user = make_user(email="owner@example.com")
    _sign_in(client, user)
    client.post("/account/sign-out", data={})
    _sign_in(client, user)
    assert client.get("/account/profile").status_code == 200


def test_signing_out_of_other_devices_keeps_this_one(app, client, other_client):
    user = make_user(email="owner@example.com")
    _sign_in(client, user)
    _sign_in(other_client, user)
    thief = _copy_of_session(app, client)
    page = client.get("/account/profile")
    assert "Sign out of all other devices" in page.text

    response = client.post("/account/sessions/end-others", data={}, follow_redirects=True)

    assert "You are signed out on every other device" in response.text
    check_page(response.data)
    assert client.get("/account/profile").status_code == 200
    assert _lands_on_sign_in(other_client.get("/account/profile"))
    # The copy was taken before: it carries the old token.
    assert _lands_on_sign_in(thief.get("/account/profile"))
    assert audit_actions()[-1] == "account.other_sessions_ended"


def test_a_staff_member_stays_signed_in_after_ending_other_sessions(app, client, other_client):
    staff = make_user(email="sam.staff@example.com", role=Role.STAFF)
    enrol_second_factor(staff)
    _sign_in(client, staff)
    _sign_in(other_client, staff)

    client.post("/account/sessions/end-others", data={})

    assert client.get("/staff/").status_code == 200
    assert _lands_on_sign_in(other_client.get("/staff/"))


def test_ending_other_sessions_needs_a_valid_form(client):
    user = make_user(email="owner@example.com")
    _sign_in(client, user)
    token = user.session_token

    response = client.post(
        "/account/sessions/end-others", data={"csrf_token": ""}, follow_redirects=True
    )

    assert str(STALE_FORM_MESSAGE) in response.text
    db.session.refresh(user)
    assert user.session_token == token
    assert client.get("/account/profile").status_code == 200


def test_ending_other_sessions_needs_a_signed_in_user(client):
    response = client.post("/account/sessions/end-others", data={})
    assert _lands_on_sign_in(response)


def test_the_limit_on_guessing_the_current_password_outlives_the_session(client):
    user = make_user(email="owner@example.com")
    _sign_in(client, user)
    wrong = {"current_password": "not my password", "password": NEW, "confirm": NEW}
    for _attempt in range(5):
        assert client.post("/account/password", data=wrong).status_code == 200
    client.post("/account/sign-out", data={})
    _sign_in(client, user)
    assert client.post("/account/password", data=wrong).status_code == 429


def test_the_limit_on_guessing_permit_codes_outlives_the_session(client):
    user = make_user(email="owner@example.com")
    _sign_in(client, user)
    guess = {"permit_number": "BP-2026-999999", "access_code": "WRONG1"}
    for _attempt in range(int(CLAIMS_PER_ACCOUNT.split()[0])):
        assert client.post("/permits/claim", data=guess).status_code == 200
    client.post("/account/sign-out", data={})
    _sign_in(client, user)
    assert client.post("/permits/claim", data=guess).status_code == 429
