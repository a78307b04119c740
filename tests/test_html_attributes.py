"""The form widgets' attributes: the same text as WTForms writes, by a faster route."""

import importlib.util
import itertools

import pytest
import wtforms.widgets
from markupsafe import Markup
from wtforms import Form, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import core

from portal import html_attributes

VALUES = [
    "plain",
    "",
    'a "quoted" <b>&amp; \' text',
    Markup('safe "quoted" <b>'),
    Markup("&quot;"),
    0,
    40,
    2.5,
    True,
    False,
    None,
    "señora ñ €",
]
KEYS = ["class_", "id", "data_max_length", "aria_describedby", "for_", "x<y", "autocomplete"]


@pytest.fixture(scope="module")
def wtforms_html_params():
    """WTForms' own function, loaded afresh from its source: the module's may be ours."""
    spec = importlib.util.spec_from_file_location("wtforms_widgets_core_copy", core.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.html_params


def test_each_key_and_value_is_written_as_wtforms_writes_it(wtforms_html_params):
    for key, value in itertools.product(KEYS, VALUES):
        ours = html_attributes.html_params(**{key: value})
        assert ours == wtforms_html_params(**{key: value}), (key, value)


def test_several_attributes_keep_wtforms_order_and_separators(wtforms_html_params):
    for values in itertools.permutations(VALUES[:6], 4):
        kwargs = dict(zip(KEYS, values, strict=False))
        ours = html_attributes.html_params(**kwargs)
        assert ours == wtforms_html_params(**kwargs)
        assert isinstance(ours, Markup)


class _Form(Form):
    name = StringField("Name", [DataRequired(), Length(max=40)])
    notes = TextAreaField("Notes")
    kind = SelectField("Kind", choices=[SelectChoice("a", 'A "one"'), SelectChoice("b", "B <")])


def test_the_app_renders_every_widget_with_it_and_the_html_is_unchanged(app, wtforms_html_params):
    assert core.html_params is html_attributes.html_params
    assert core.Input.html_params is html_attributes.html_params
    assert core.Button.html_params is html_attributes.html_params
    assert wtforms.widgets.html_params is html_attributes.html_params
    form = _Form(data={"name": 'Ann "A" <x>', "kind": "b"})
    renders = [
        lambda: form.name(class_="usa-input", **{"aria-describedby": "name-hint"}),
        lambda: form.notes(rows=3),
        lambda: form.kind(),
        lambda: form.name.label(class_="usa-label"),
    ]
    ours = [render() for render in renders]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(core, "html_params", wtforms_html_params)
        patch.setattr(wtforms.widgets, "html_params", wtforms_html_params)
        patch.setattr(core.Input, "html_params", staticmethod(wtforms_html_params))
        patch.setattr(core.Button, "html_params", staticmethod(wtforms_html_params))
        theirs = [render() for render in renders]
    assert ours == theirs
    assert 'maxlength="40"' in ours[0]
    assert "required" in ours[0]
