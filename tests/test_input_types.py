"""Phones bring up the right keyboard: email and phone inputs say what they hold."""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

from wtforms import EmailField, TelField

import portal
from portal.applications.forms import ContactForm
from portal.forms import PortalForm
from portal.inspections.forms import RequestForm


def test_contact_and_on_site_fields_use_email_and_tel_inputs(app):
    with app.test_request_context():
        contact = ContactForm(meta={"csrf": False})
        assert 'type="email"' in contact.email()
        assert 'type="tel"' in contact.phone()
        request = RequestForm(meta={"csrf": False})
        assert 'type="tel"' in request.contact_phone()


def _form_classes() -> list[type]:
    """Every form class of the portal, found by walking its modules."""
    found = set()
    for module_info in pkgutil.walk_packages(portal.__path__, "portal."):
        module = importlib.import_module(module_info.name)
        for _name, member in inspect.getmembers(module, inspect.isclass):
            if issubclass(member, PortalForm) and member.__module__ == module.__name__:
                found.add(member)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def test_every_email_and_phone_field_brings_up_its_keyboard():
    """Issue 16: an email address is type=email, a phone number type=tel, in every form."""
    wrong = []
    for form_class in _form_classes():
        for name, unbound in vars(form_class).items():
            field_class = getattr(unbound, "field_class", None)
            if field_class is None:
                continue
            if "email" in name and not issubclass(field_class, EmailField):
                wrong.append(f"{form_class.__qualname__}.{name}")
            if "phone" in name and not issubclass(field_class, TelField):
                wrong.append(f"{form_class.__qualname__}.{name}")
    assert wrong == []


def test_every_phone_input_asks_for_the_phone_keypad():
    templates = Path(portal.__file__).parent / "templates"
    calls = [
        (path.name, call)
        for path in templates.rglob("*.html")
        for call in re.findall(r"field\(form\.\w*phone\w*[^)]*\)", path.read_text())
    ]
    assert calls
    assert [
        (name, call) for name, call in calls if "inputmode='tel'" not in call.replace('"', "'")
    ] == []
