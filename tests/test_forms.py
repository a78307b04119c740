"""Shared form fields."""

from werkzeug.datastructures import MultiDict

from portal.auth.models import Role
from portal.forms import PortalForm, WholeNumberField
from tests.factories import make_user, sign_in_as


class _CountForm(PortalForm):
    class Meta:
        csrf = False

    count = WholeNumberField("Count")


def _read(value: str) -> _CountForm:
    form = _CountForm(MultiDict({"count": value}))
    form.validate()
    return form


def test_whole_numbers_may_be_written_with_thousands_separators(app):
    with app.test_request_context():
        assert _read("1,200").count.data == 1200
        assert _read(" 7 ").count.data == 7
        assert _read("").count.data is None


def test_text_that_is_not_a_whole_number_says_what_to_type_and_is_kept(app):
    with app.test_request_context():
        form = _read("twelve")
        assert form.count.data is None
        assert form.count.errors == ["Enter a whole number, like 12"]
        assert 'value="twelve"' in form.count()


def test_nul_characters_are_dropped_from_what_was_typed(app):
    with app.test_request_context():
        assert _read("12\x00").count.data == 12


def test_a_search_with_a_nul_character_is_answered(app, client):
    sign_in_as(client, make_user(role=Role.STAFF))
    for url in ("/staff/search?q=ab%00", "/staff/payments?q=a%00b", "/staff/applications?q=%00"):
        assert client.get(url).status_code == 200
