"""Phones bring up the right keyboard: email and phone inputs say what they hold."""

from portal.applications.forms import ContactForm
from portal.inspections.forms import RequestForm


def test_contact_and_on_site_fields_use_email_and_tel_inputs(app):
    with app.test_request_context():
        contact = ContactForm(meta={"csrf": False})
        assert 'type="email"' in contact.email()
        assert 'type="tel"' in contact.phone()
        request = RequestForm(meta={"csrf": False})
        assert 'type="tel"' in request.contact_phone()
