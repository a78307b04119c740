"""The admin page for staff accounts: list, create, and who may see it."""

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth import passwords, services
from portal.auth.models import Role, User
from portal.extensions import db
from tests.factories import make_user, sign_in_as
from tests.support.mail import emails_to, link_path
from tests.support.pages import check_page

NEW_STAFF = {"name": "Ines Pector", "email": "Ines.Pector@City.example", "role": "staff"}


@pytest.fixture
def admin_user():
    return make_user(email="admin@example.com", role=Role.ADMIN, name="Ada Admin")


def test_admin_sees_staff_and_admins_but_not_applicants(client, admin_user):
    make_user(name="Sam Staff", role=Role.STAFF)
    make_user(name="Andy Applicant")
    sign_in_as(client, admin_user)
    response = client.get("/staff/users")
    assert response.status_code == 200
    check_page(response.data)
    assert b"Sam Staff" in response.data
    assert b"Ada Admin" in response.data
    assert b"Andy Applicant" not in response.data


def test_the_list_is_paginated(app, client, admin_user, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for name in ("Bea", "Cal", "Dee"):
        make_user(name=f"{name} Staff", role=Role.STAFF)
    sign_in_as(client, admin_user)
    first = client.get("/staff/users")
    assert b"Page 1 of 2" in first.data
    assert b"Ada Admin" in first.data
    assert b"Dee Staff" not in first.data
    second = client.get("/staff/users?page=2")
    assert b"Dee Staff" in second.data
    check_page(second.data)
    assert client.get("/staff/users?page=9").status_code == 404


def test_admin_creates_a_staff_account_who_sets_their_own_password(
    client, other_client, admin_user
):
    sign_in_as(client, admin_user)
    form = client.get("/staff/users/new")
    assert form.status_code == 200
    check_page(form.data)

    response = client.post("/staff/users/new", data=NEW_STAFF, follow_redirects=True)
    assert b"Account created for Ines Pector" in response.data
    assert b"Invited: password not set yet" in response.data
    check_page(response.data)

    staff = db.session.scalar(select(User).where(User.email == "ines.pector@city.example"))
    assert staff.role == Role.STAFF
    # Nobody knows the starting password, not even the hash's own text signs in.
    assert staff.password_hash.startswith(services.UNUSABLE_PREFIX)
    with pytest.raises(services.BadCredentials):
        services.authenticate(staff.email, staff.password_hash)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "account.staff_created")
    )
    assert event.actor_id == admin_user.id
    assert event.record_id == staff.id

    [welcome] = emails_to("ines.pector@city.example")
    assert "Ada Admin created an account for you" in welcome.body_text
    path = link_path(welcome)
    assert path.startswith("/account/password/reset/")
    chosen = "inspector's own passphrase"
    set_password = other_client.post(path, data={"password": chosen, "confirm": chosen})
    assert set_password.status_code == 302
    # A password is not enough for staff: next comes the second factor's set-up.
    assert set_password.headers["Location"] == "/account/sign-in/code"
    assert other_client.get("/staff/").status_code == 302
    enrol = other_client.get("/account/sign-in/code")
    check_page(enrol.data)
    assert b"Set up your second factor" in enrol.data
    db.session.refresh(staff)
    assert passwords.verify_password(staff.password_hash, chosen)
    assert staff.email_verified


def test_admin_can_create_an_admin(client, admin_user):
    sign_in_as(client, admin_user)
    client.post("/staff/users/new", data={**NEW_STAFF, "role": "admin"})
    assert db.session.scalar(select(User.role).where(User.name == "Ines Pector")) == Role.ADMIN


@pytest.mark.parametrize("role", ["applicant", "superuser", ""])
def test_only_staff_roles_can_be_chosen(client, admin_user, role):
    sign_in_as(client, admin_user)
    response = client.post("/staff/users/new", data={**NEW_STAFF, "role": role})
    assert response.status_code == 200
    assert 'value="Ines Pector"' in response.text
    check_page(response.data)
    assert db.session.scalar(select(User).where(User.name == "Ines Pector")) is None


def test_an_email_already_in_use_is_refused(client, admin_user):
    make_user(email="ines.pector@city.example")
    sign_in_as(client, admin_user)
    response = client.post("/staff/users/new", data=NEW_STAFF)
    assert response.status_code == 200
    assert b"An account with this email address already exists." in response.data
    check_page(response.data)


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.STAFF])
def test_non_admins_get_a_404(client, role):
    sign_in_as(client, make_user(role=role))
    assert client.get("/staff/users").status_code == 404
    assert client.get("/staff/users/new").status_code == 404
    assert client.post("/staff/users/new", data=NEW_STAFF).status_code == 404
    assert db.session.scalar(select(User).where(User.name == "Ines Pector")) is None


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/staff/users")
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]
