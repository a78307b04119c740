"""The inspection tests use the permit world of tests/conftest.py (permit, owner,
contractor, inspector and their clients), every one of them on its fixed day."""

import pytest


@pytest.fixture(autouse=True)
def fixed_today(fixed_today):
    # tests/conftest.py's fixture of the same name, turned on for every test here.
    return fixed_today
