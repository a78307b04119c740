"""Fixtures: tests/conftest.py's fixed day for every test, the seeded catalogue (holidays,
the first fee schedule), an admin's signed-in client, a staff member, and a permit to
inspect (with tests/conftest.py's contractor on it)."""

import pytest

from portal.auth.models import Role
from portal.inspections import catalogue
from portal.permits.models import PartyRole
from tests.factories import add_party, make_permit, make_user, sign_in_as
from tests.factories.inspections import derive


@pytest.fixture(autouse=True)
def fixed_today(fixed_today):
    # tests/conftest.py's fixture of the same name, turned on for every test here.
    return fixed_today


@pytest.fixture
def admin():
    user = make_user(name="Ada Admin", email="admin@example.com", role=Role.ADMIN)
    catalogue.seed_types(user)
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
def permit(admin, contractor):
    permit = make_permit(scope=["new_construction", "electrical", "plumbing"])
    add_party(permit, contractor, PartyRole.CONTRACTOR, trade="electrical")
    derive(permit)
    return permit
