"""Form base classes shared by every feature."""

from collections.abc import Iterable

from babel import support
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateField, IntegerField, SelectChoice, SelectMultipleField, widgets
from wtforms.i18n import messages_path
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput

STALE_FORM_MESSAGE = _l(
    "This form was open too long or your session ended. Your answers are still here: "
    "check them and submit again."
)


def _without_nul(formdata):
    """The submitted values with NUL characters removed: PostgreSQL refuses them in text,
    and nobody types one on purpose, so dropping them keeps the rest of the answer."""
    cleaned = MultiDict()
    for key, value in formdata.items(multi=True):
        cleaned.add(key, value.replace("\x00", "") if isinstance(value, str) else value)
    return cleaned


class TranslatedChoices:
    """A select field's fixed choices, their labels translated once per language.

    Declared with lazy labels; calling it gives the choices with text labels in the
    reader's language, made the first time each language asks (the catalogs never change
    while the process runs). A lazy label is translated again each time a page renders it
    (about 9 µs, issue 17); a filter form renders a dozen of them on every queue page."""

    def __init__(self, choices: Iterable[SelectChoice]) -> None:
        self.choices = list(choices)
        self._by_language: dict[str, list[SelectChoice]] = {}

    def __call__(self) -> list[SelectChoice]:
        language = str(get_locale())
        translated = self._by_language.get(language)
        if translated is None:
            translated = self._by_language[language] = [
                SelectChoice(choice.value, str(choice.label), choice.render_kw, choice.optgroup)
                for choice in self.choices
            ]
        return translated


class WTFormsMessages:
    """WTForms' own messages ("Not a valid choice.") in the reader's language, each
    language's catalog loaded once per process.

    Flask-WTF loads WTForms' catalog from its file again on every request that needs a
    message, about 1 ms (issue 17), and a queue's filter form needs one on every request:
    an empty select is checked against its choices before Optional() clears the error.
    The catalogs never change while the process runs."""

    def __init__(self) -> None:
        self._by_language: dict[str, support.NullTranslations] = {}

    def _catalog(self) -> support.NullTranslations:
        language = str(get_locale())
        catalog = self._by_language.get(language)
        if catalog is None:
            catalog = self._by_language[language] = support.Translations.load(
                messages_path(), [language], domain="wtforms"
            )
        return catalog

    def gettext(self, string: str) -> str:
        return self._catalog().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog().ungettext(singular, plural, n)


WTFORMS_MESSAGES = WTFormsMessages()


class PortalForm(FlaskForm):
    """Every POST goes through one of these: it checks the CSRF token as part of the form.

    A stale or missing token becomes an ordinary form error, so the page comes back
    with what the user typed instead of a bare 400.
    """

    class Meta:
        def get_translations(self, form):
            return WTFORMS_MESSAGES

        def wrap_formdata(self, form, formdata):
            formdata = super().wrap_formdata(form, formdata)
            return None if formdata is None else _without_nul(formdata)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if "csrf_token" in self.errors:
            self.csrf_token.errors = [STALE_FORM_MESSAGE]
        return valid


class ActionForm(PortalForm):
    """A button that changes something: only the CSRF token."""


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PortalDateField(DateField):
    """A date whose error says what to type, in the reader's language."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(
                _l("Enter a real date in the format YYYY-MM-DD, for example 2026-09-15")
            ) from None


class WholeNumberField(IntegerField):
    """An integer field whose error says what to type, in the reader's language.

    A text input (templates pass inputmode="numeric"), because a number input refuses
    "7,200" and sends nothing for text it cannot read, so the answer would be lost. It reads
    "7,200" as 7200.
    """

    widget = TextInput()

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip().replace(",", ""))
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a whole number, like 12")) from None

    def pre_validate(self, form):
        # One clear message for text that is not a number, not a second one about its range.
        if self.process_errors:
            raise StopValidation()


def show_refusal(form, error) -> None:
    """Show a service's refusal (a DomainError) beside the field it names, else at the top
    of the form, so the page explains it where the user will look."""
    name = getattr(error, "field", None)
    if name and name in form:
        form[name].errors = [*form[name].errors, error.message]
    else:
        form.form_errors.append(error.message)
