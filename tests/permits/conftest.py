"""Fixtures for the permits tests: a way to open more clients, staff and admin accounts."""

import pytest

from portal.auth.models import Role
from tests.factories import make_user


@pytest.fixture
def make_client(app):
    return app.test_client


@pytest.fixture
def staff_user():
    return make_user(role=Role.STAFF)


@pytest.fixture
def admin_user():
    return make_user(role=Role.ADMIN)
