"""Fixtures: a fixed clock, the seeded catalogue, a permit with owner, contractor and staff."""

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
def seeded():
    services.seed_types()


@pytest.fixture
def owner():
    return make_user(name="Olivia Owner", email="owner@example.com")


@pytest.fixture
def contractor():
    return make_user(name="Carlos Contractor", email="contractor@example.com")


@pytest.fixture
def inspector():
    return make_user(name="Ines Inspector", email="inspector@example.com", role=Role.STAFF)


@pytest.fixture
def permit(seeded, owner, contractor):
    permit = make_permit(scope=["new_construction", "electrical", "plumbing"])
    add_party(permit, owner, PartyRole.OWNER)
    add_party(permit, contractor, PartyRole.CONTRACTOR, trade="electrical")
    derive(permit)
    return permit


@pytest.fixture
def contractor_client(client, contractor, permit):
    sign_in_as(client, contractor)
    return client


@pytest.fixture
def owner_client(app, owner, permit):
    client = app.test_client()
    sign_in_as(client, owner)
    return client


@pytest.fixture
def staff_client(app, inspector):
    client = app.test_client()
    sign_in_as(client, inspector)
    return client
