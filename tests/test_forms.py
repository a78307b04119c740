"""Shared form fields."""

from werkzeug.datastructures import MultiDict

from portal.forms import PortalForm, WholeNumberField


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
