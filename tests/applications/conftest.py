"""Fixtures for the application tests: a permit with tests/conftest.py's owner on it and
signed in, and a reviewer on staff."""

import pytest

from portal.auth.models import Role
from portal.permits.models import PartyRole
from tests.factories import add_party, make_permit, make_user, sign_in_as


@pytest.fixture
def permit(owner):
    permit = make_permit()
    add_party(permit, owner, PartyRole.OWNER)
    return permit


@pytest.fixture
def owner_client(client, owner, permit):
    sign_in_as(client, owner)
    return client


@pytest.fixture
def reviewer():
    return make_user(name="Sam Staff", email="staff@example.com", role=Role.STAFF)


@pytest.fixture
def staff_client(app, reviewer):
    client = app.test_client()
    sign_in_as(client, reviewer)
    return client
