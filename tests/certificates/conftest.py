"""Certificate tests run inside a request context: services build links for their emails.
Their owner is tests/conftest.py's."""

import pytest

from tests.factories import make_user, sign_in_as
from tests.factories.certificates import issue, ready_application, staff_user


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
        yield


@pytest.fixture
def agent():
    return make_user(name="Avery Agent", email="agent@example.com")


@pytest.fixture
def staff():
    return staff_user(email="staff@example.com")


@pytest.fixture
def application(owner, agent):
    return ready_application(owner, agent)


@pytest.fixture
def certificate(application, staff):
    return issue(application, staff)


@pytest.fixture
def staff_client(app, staff):
    client = app.test_client()
    sign_in_as(client, staff)
    return client


@pytest.fixture
def owner_client(app, owner):
    client = app.test_client()
    sign_in_as(client, owner)
    return client
