"""Fixtures: the inspections' fixed clock, the seeded catalogue (holidays, the first fee
schedule), an admin's and a staff member's signed-in clients, and a permit to inspect."""

import pytest

from portal.auth.models import Role
from portal.inspections import calendar, services
from portal.permits.models import PartyRole
from tests.factories import add_party, make_permit, make_user, sign_in_as
from tests.factories.inspections import TODAY, derive


@pytest.fixture(autouse=True)
def fixed_today(app, monkeypatch):
    monkeypatch.setattr(calendar, "local_today", lambda: TODAY)
    # Services build links for their emails, which needs a request context.
    with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
        yield TODAY


@pytest.fixture
def admin():
    user = make_user(name="Ada Admin", email="admin@example.com", role=Role.ADMIN)
    services.seed_types(user)
    return user


@pytest.fixture
def admin_client(app, admin):
    client = app.test_client()
    sign_in_as(client, admin)
    return client


@pytest.fixture
def staff_member():
    return make_user(name="Ines Inspector", email="inspector@example.com", role=Role.STAFF)


@pytest.fixture
def contractor():
    return make_user(name="Carlos Contractor", email="contractor@example.com")


@pytest.fixture
def permit(admin, contractor):
    permit = make_permit(scope=["new_construction", "electrical", "plumbing"])
    add_party(permit, contractor, PartyRole.CONTRACTOR, trade="electrical")
    derive(permit)
    return permit
