"""Ids in URLs: a number no id column can hold is a page that does not exist (404), never a
database error (PostgreSQL's integer stops at 2**31 - 1, SQLite's at 2**63 - 1)."""

import re

import pytest
from werkzeug.exceptions import NotFound

from portal.auth.models import Role
from portal.models import LARGEST_ID
from portal.permits.models import PartyRole
from portal.routing import IdConverter
from tests.factories import add_party, make_permit, make_user, sign_in_as

# The first id PostgreSQL cannot hold, the first SQLite cannot, and one far beyond.
OUT_OF_RANGE = [2**31, 2**63, 10**40]
# <converter(arguments):name> or <name> in a route rule.
VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith("_id")


@pytest.fixture
def owner_client(app):
    owner = make_user(email="owner@example.com")
    permit = make_permit()
    add_party(permit, owner, PartyRole.OWNER)
    client = app.test_client()
    sign_in_as(client, owner)
    client.permit_id = permit.id
    return client


@pytest.fixture
def admin_client(app):
    client = app.test_client()
    sign_in_as(client, make_user(email="admin@example.com", role=Role.ADMIN))
    return client


@pytest.mark.parametrize("big", [*OUT_OF_RANGE, LARGEST_ID])
@pytest.mark.parametrize(
    "path",
    [
        "/permits/{big}",
        "/permits/{permit}/inspections/{big}",
        "/permits/{permit}/payments/{big}",
        "/permits/{permit}/application/documents/{big}",
    ],
)
def test_an_applicant_gets_a_404_for_an_id_out_of_range(owner_client, path, big):
    url = path.format(big=big, permit=owner_client.permit_id)
    response = owner_client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.text


@pytest.mark.parametrize("big", [*OUT_OF_RANGE, LARGEST_ID])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/staff/permits/{big}"),
        ("get", "/staff/certificates/{big}"),
        ("get", "/staff/inspections/{big}/schedule"),
        ("get", "/staff/applications/{big}"),
        ("get", "/staff/people/{big}"),
        ("get", "/staff/payments/{big}"),
        ("post", "/staff/users/{big}/deactivate"),
        ("post", "/staff/certificates/{big}/revoke"),
    ],
)
def test_staff_get_a_404_for_an_id_out_of_range(admin_client, method, path, big):
    response = getattr(admin_client, method)(path.format(big=big), data={})
    assert response.status_code == 404


def test_the_largest_id_still_reaches_the_view(app, owner_client):
    permit_id = owner_client.permit_id
    assert owner_client.get(f"/permits/{permit_id}").status_code == 200
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        assert adapter.match(f"/permits/{LARGEST_ID}") == (
            "permits.permit",
            {"permit_id": LARGEST_ID},
        )


def test_every_id_in_a_route_is_an_int_and_every_int_is_limited(app):
    assert app.url_map.converters["int"] is IdConverter
    adapter = app.url_map.bind("localhost")
    checked = 0
    for rule in app.url_map.iter_rules():
        variables = [match.groupdict() for match in VARIABLE.finditer(rule.rule)]
        for variable in variables:
            if _is_id(variable["name"]):
                assert variable["converter"] == "int", f"{rule.rule}: {variable['name']}"
        ids = [variable["name"] for variable in variables if variable["converter"] == "int"]
        for out_of_range in ids:
            values = {name: 2**31 if name == out_of_range else 1 for name in ids}
            path = VARIABLE.sub(
                lambda match, values=values: str(values.get(match["name"], "x")), rule.rule
            )
            with pytest.raises(NotFound):
                adapter.match(path, method=next(iter(rule.methods - {"HEAD", "OPTIONS"})))
            checked += 1
    assert checked > 50  # the permit, application, inspection, payment and staff routes
