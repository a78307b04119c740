"""Every route declares its access rule; the rules do what they say."""

from portal.access import ACCESS_ATTR
from tests.factories import make_user, sign_in_as


def test_every_route_declares_an_access_rule(app):
    missing = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not hasattr(app.view_functions[rule.endpoint], ACCESS_ATTR)
    ]
    assert missing == []


def test_signed_in_route_sends_anonymous_users_to_sign_in(client):
    response = client.get("/permits/")
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


def test_staff_route_is_a_404_for_applicants(client):
    sign_in_as(client, make_user())
    assert client.get("/staff/").status_code == 404
