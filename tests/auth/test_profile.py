"""Editing the profile: name and phone; the email address is shown but not editable."""

from portal.extensions import db
from tests.factories import make_user, sign_in_as
from tests.support.audit import audit_actions
from tests.support.pages import check_page


def test_the_profile_needs_a_signed_in_user(client):
    response = client.get("/account/profile")
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


def test_profile_shows_the_account_and_says_email_cannot_change_here(client):
    sign_in_as(client, make_user(email="me@example.com", name="Pat Owner"))
    page = client.get("/account/profile")
    assert page.status_code == 200
    assert b"me@example.com" in page.data
    assert b"The email address cannot be changed here" in page.data
    assert 'value="Pat Owner"' in page.text
    check_page(page.data)


def test_editing_the_profile_saves_name_and_phone(client):
    user = make_user(email="me@example.com")
    sign_in_as(client, user)
    response = client.post(
        "/account/profile",
        data={"name": " Pat Q. Owner ", "phone": "+1 (312) 555-0142 ext. 7", "email": "x@y.z"},
        follow_redirects=True,
    )
    assert b"Your details are saved." in response.data
    check_page(response.data)
    db.session.refresh(user)
    assert user.name == "Pat Q. Owner"
    assert user.phone == "+1 (312) 555-0142 ext. 7"
    assert user.email == "me@example.com"
    assert audit_actions() == ["account.profile_updated"]


def test_a_bad_phone_number_keeps_what_was_typed(client):
    user = make_user()
    sign_in_as(client, user)
    response = client.post("/account/profile", data={"name": "New Name", "phone": "call me"})
    assert response.status_code == 200
    assert b"Enter a phone number, like 312-555-0100." in response.data
    assert 'value="New Name"' in response.text
    assert 'value="call me"' in response.text
    check_page(response.data)
    db.session.refresh(user)
    assert user.name != "New Name"
