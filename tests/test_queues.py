"""The staff queues' filter forms, cached by what they show (QueueForm.rendered_key): a page
from the cache is the page rendered in full, whatever was typed or chosen before it."""

import re

import pytest

from portal.extensions import db
from portal.inspections.models import InspectionStage, InspectionType
from tests.factories import make_permit
from tests.factories.applications import complete_application

# Each list choice is asked for before and after typed values, refused values and the
# other choices, so a form cached by too small a key would show another request's values.
URLS = [
    "/staff/applications",
    "/staff/applications?q=BP-2026",
    "/staff/applications?status=",
    "/staff/applications?status=any&sort=newest",
    "/staff/applications?status=any&sort=newest&date_from=2026-03-02",
    "/staff/applications?status=any&date_from=%20%20",
    "/staff/applications?status=bogus",
    "/staff/applications?status=any&sort=newest",
    "/staff/applications",
    "/staff/inspections",
    "/staff/inspections?status=scheduled&bureau=Electrical",
    "/staff/inspections?status=scheduled&bureau=Electrical&inspector=sam",
    "/staff/inspections?status=scheduled&bureau=Nowhere",
    "/staff/inspections?status=scheduled&bureau=Electrical",
    "/staff/inspections?status=passed&sort=permit&q=Main",
    "/staff/inspections?status=passed&sort=permit",
    "/staff/inspections?date_to=2026-13-01",
    "/staff/inspections",
]
# Per request by design: the CSRF token of the layout's forms.
TOKEN = re.compile(rb'name="csrf_token"[^>]* value="[^"]*"')


@pytest.fixture
def electrical():
    found = InspectionType(
        code="ELEC-RGH", name="Electrical rough", stage=InspectionStage.ROUGH, bureau="Electrical"
    )
    db.session.add(found)
    db.session.commit()
    return found


def _pages(client) -> list[bytes]:
    pages = []
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(TOKEN.sub(b"", response.data))
    return pages


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_cached_filter_form_is_the_form_rendered_in_full(
    app, staff_client, owner, electrical, monkeypatch, language
):
    complete_application(make_permit(), owner)
    if language == "es":
        staff_client.post(
            "/account/language",
            data={"locale": "es", "next": "/", "csrf_token": staff_client.csrf_token()},
        )
    cached = _pages(staff_client)
    assert b'value="BP-2026"' in cached[1]
    assert b'value="BP-2026"' not in cached[0]
    # With template auto-reload nothing is cached: every form is rendered from its fields.
    monkeypatch.setattr(app.jinja_env, "auto_reload", True)
    assert _pages(staff_client) == cached


def test_a_new_bureau_shows_in_the_cached_filter_form(staff_client, electrical):
    assert b'<option value="Zoning">' not in staff_client.get("/staff/inspections").data
    db.session.add(
        InspectionType(code="ZON-FIN", name="Zoning", stage=InspectionStage.FINAL, bureau="Zoning")
    )
    db.session.commit()
    assert b'<option value="Zoning">Zoning</option>' in staff_client.get("/staff/inspections").data
