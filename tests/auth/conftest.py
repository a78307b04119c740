"""A second browser for the account tests."""

import pytest


@pytest.fixture
def other_client(app):
    return app.test_client()
