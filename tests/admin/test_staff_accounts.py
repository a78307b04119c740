"""An admin manages staff accounts: role, deactivation (sessions end at once),
reactivation and resetting the second factor. Each change is audited; admins only."""

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth.models import RecoveryCode, Role
from portal.extensions import db
from tests.factories import PASSWORD, enrol_second_factor, make_user, sign_in_as
from tests.support.mail import emails_to
from tests.support.pages import check_page


@pytest.fixture
def admin_user():
    return make_user(email="ada@example.com", role=Role.ADMIN, name="Ada Admin")


@pytest.fixture
def staff_user():
    return make_user(email="sam@example.com", role=Role.STAFF, name="Sam Staff")


@pytest.fixture
def admin_client(client, admin_user):
    sign_in_as(client, admin_user)
    return client


def _audit(action: str) -> AuditEvent:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action))


def _follow(client, response) -> str:
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    check_page(page.data)
    return page.get_data(as_text=True)


def test_the_list_links_to_each_account_page(admin_client, staff_user):
    listing = admin_client.get("/staff/users")
    assert f'href="/staff/users/{staff_user.id}"' in listing.text
    page = admin_client.get(f"/staff/users/{staff_user.id}")
    assert page.status_code == 200
    check_page(page.data)
    assert "Not set up: asked for at the next sign-in" in page.text
    assert "Deactivate account" in page.text


def test_an_admin_changes_a_role(admin_client, admin_user, staff_user):
    response = admin_client.post(f"/staff/users/{staff_user.id}/role", data={"role": "admin"})
    assert "Sam Staff is now: Administrator." in _follow(admin_client, response)
    db.session.refresh(staff_user)
    assert staff_user.role == Role.ADMIN
    event = _audit("account.role_changed")
    assert (event.actor_id, event.record_id) == (admin_user.id, staff_user.id)
    assert event.details == {"old": "staff", "new": "admin"}


@pytest.mark.parametrize("role", ["applicant", "owner", ""])
def test_a_role_other_than_staff_or_admin_is_refused(admin_client, staff_user, role):
    response = admin_client.post(f"/staff/users/{staff_user.id}/role", data={"role": role})
    assert response.status_code == 200
    check_page(response.data)
    assert response.text.count("<title>Error: ") == 1
    db.session.refresh(staff_user)
    assert staff_user.role == Role.STAFF


def test_an_admin_cannot_change_or_deactivate_their_own_account(admin_client, admin_user):
    page = admin_client.get(f"/staff/users/{admin_user.id}")
    check_page(page.data)
    assert "This is your own account" in page.text
    assert "Deactivate account" not in page.text
    demote = admin_client.post(f"/staff/users/{admin_user.id}/role", data={"role": "staff"})
    assert "You cannot change your own role" in _follow(admin_client, demote)
    deactivate = admin_client.post(f"/staff/users/{admin_user.id}/deactivate", data={})
    assert "You cannot change your own role or deactivate" in _follow(admin_client, deactivate)
    reset = admin_client.post(f"/staff/users/{admin_user.id}/reset-second-factor", data={})
    assert "You cannot reset your own second factor" in _follow(admin_client, reset)
    db.session.refresh(admin_user)
    assert admin_user.active
    assert admin_user.role == Role.ADMIN


def test_deactivation_ends_the_staff_members_sessions_at_once(app, admin_client, staff_user):
    staff_client = app.test_client()
    sign_in_as(staff_client, staff_user)
    assert staff_client.get("/staff/").status_code == 200

    response = admin_client.post(f"/staff/users/{staff_user.id}/deactivate", data={})
    assert "every session of it has ended" in _follow(admin_client, response)
    assert _audit("account.deactivated").record_id == staff_user.id

    # The old session is dead on its very next request...
    ended = staff_client.get("/staff/")
    assert ended.status_code == 302
    assert "/account/sign-in" in ended.headers["Location"]
    # ...and the password no longer signs in.
    refused = app.test_client().post(
        "/account/sign-in", data={"email": staff_user.email, "password": PASSWORD}
    )
    assert refused.status_code == 200
    check_page(refused.data)
    assert "This account has been deactivated" in refused.text

    # Reactivating lets the person sign in again, but the old session stays ended.
    response = admin_client.post(f"/staff/users/{staff_user.id}/reactivate", data={})
    assert "account is active again" in _follow(admin_client, response)
    assert staff_client.get("/staff/").status_code == 302
    again = app.test_client().post(
        "/account/sign-in", data={"email": staff_user.email, "password": PASSWORD}
    )
    assert again.headers["Location"] == "/account/sign-in/code"
    assert _audit("account.reactivated").record_id == staff_user.id


def test_deactivating_twice_says_so(admin_client, staff_user):
    admin_client.post(f"/staff/users/{staff_user.id}/deactivate", data={})
    response = admin_client.post(f"/staff/users/{staff_user.id}/deactivate", data={})
    assert "already deactivated" in _follow(admin_client, response)
    response = admin_client.post(f"/staff/users/{staff_user.id}/reactivate", data={})
    response = admin_client.post(f"/staff/users/{staff_user.id}/reactivate", data={})
    assert "already active" in _follow(admin_client, response)


def test_resetting_the_second_factor_ends_sessions_and_asks_to_enrol_again(
    app, admin_client, admin_user, staff_user
):
    enrol_second_factor(staff_user)
    db.session.add(RecoveryCode(user_id=staff_user.id, code_hash="x" * 64))
    db.session.commit()
    staff_client = app.test_client()
    sign_in_as(staff_client, staff_user)

    page = admin_client.get(f"/staff/users/{staff_user.id}")
    assert "Authenticator app, set up" in page.text
    response = admin_client.post(f"/staff/users/{staff_user.id}/reset-second-factor", data={})
    assert "second factor is reset" in _follow(admin_client, response)

    db.session.refresh(staff_user)
    assert not staff_user.has_second_factor
    assert staff_user.totp_secret_encrypted is None
    assert db.session.scalars(select(RecoveryCode)).all() == []
    assert staff_client.get("/staff/").status_code == 302
    event = _audit("account.second_factor_reset")
    assert (event.actor_id, event.record_id) == (admin_user.id, staff_user.id)
    [notice] = emails_to(staff_user.email)
    assert "Ada Admin reset the second factor" in notice.body_text

    nothing_left = admin_client.post(f"/staff/users/{staff_user.id}/reset-second-factor", data={})
    assert "no second factor set up yet" in _follow(admin_client, nothing_left)

    # The next sign-in sets up a new authenticator app.
    fresh = app.test_client()
    fresh.post("/account/sign-in", data={"email": staff_user.email, "password": PASSWORD})
    assert b"Set up your second factor" in fresh.get("/account/sign-in/code").data


def test_a_stale_button_changes_nothing(admin_client, staff_user):
    response = admin_client.post(
        f"/staff/users/{staff_user.id}/deactivate", data={"csrf_token": "stale"}
    )
    assert "This form was open too long" in _follow(admin_client, response)
    db.session.refresh(staff_user)
    assert staff_user.active


def test_applicant_accounts_and_unknown_ids_are_not_managed_here(admin_client):
    applicant = make_user(email="owner@example.com")
    for path in (f"/staff/users/{applicant.id}", "/staff/users/9999"):
        response = admin_client.get(path)
        assert response.status_code == 404
        check_page(response.data)
    assert admin_client.post(f"/staff/users/{applicant.id}/deactivate", data={}).status_code == 404
    db.session.refresh(applicant)
    assert applicant.active


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.STAFF])
def test_only_admins_manage_accounts(app, staff_user, role):
    client = app.test_client()
    sign_in_as(client, make_user(email="someone@example.com", role=role))
    assert client.get(f"/staff/users/{staff_user.id}").status_code == 404
    for action in ("deactivate", "reactivate", "reset-second-factor"):
        assert client.post(f"/staff/users/{staff_user.id}/{action}", data={}).status_code == 404
    assert (
        client.post(f"/staff/users/{staff_user.id}/role", data={"role": "admin"}).status_code == 404
    )
    db.session.refresh(staff_user)
    assert staff_user.active
    assert staff_user.role == Role.STAFF


def test_a_page_number_beyond_any_list_shows_the_first_page(admin_client, staff_user):
    for page in ("99999999999999999999", "-3", "0", "x"):
        response = admin_client.get(f"/staff/users?page={page}")
        assert response.status_code == 200
        assert staff_user.email.encode() in response.data
