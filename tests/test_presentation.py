"""The shared layout: the USWDS header and menu, number fields, back links, error pages."""

import html5lib

from portal.auth.models import Role
from tests.factories import add_party, make_application, make_permit, make_user, sign_in_as
from tests.support.pages import check_page

NS = "{http://www.w3.org/1999/xhtml}"


def _tree(response):
    check_page(response.data)
    return html5lib.parse(response.data.decode("utf-8"))


def _by_id(tree, element_id):
    return next(el for el in tree.iter() if el.get("id") == element_id)


def _options_class(tree, fieldset_id):
    fieldset = _by_id(tree, fieldset_id)
    classes = [div.get("class") or "" for div in fieldset.iter(f"{NS}div")]
    return next(c for c in classes if c.startswith("portal-options"))


def test_header_is_a_uswds_basic_header_with_a_menu_button_and_a_favicon(client):
    tree = _tree(client.get("/"))
    header = tree.find(f".//{NS}header")
    assert "usa-header--basic" in header.get("class")
    assert header.find(f".//{NS}button[@class='usa-menu-btn']") is not None
    nav = header.find(f".//{NS}nav")
    assert nav.get("class") == "usa-nav"
    assert nav.find(f".//{NS}ul[@class='usa-nav__primary usa-accordion']") is not None
    # Static URLs carry a fingerprint (?v=<hash>, portal/http_caching.py): compare the paths.
    icons = [
        link.get("href").split("?")[0]
        for link in tree.iter(f"{NS}link")
        if link.get("rel") == "icon"
    ]
    assert any(href.endswith("/favicons/favicon.ico") for href in icons)
    # Loaded in <head> so the no-JavaScript menu styles never flash on a phone.
    head_scripts = [
        script.get("src").split("?")[0] for script in tree.find(f"{NS}head").iter(f"{NS}script")
    ]
    assert any(src.endswith("/js/portal.js") for src in head_scripts)


def test_menu_marks_the_page_and_its_section(client):
    user = make_user()
    sign_in_as(client, user)
    tree = _tree(client.get("/permits/"))
    current = [a for a in tree.iter(f"{NS}a") if a.get("aria-current") == "page"]
    assert ["".join(a.itertext()) for a in current] == ["My permits"]
    assert "usa-current" in current[0].get("class")

    tree = _tree(client.get("/permits/claim"))
    links = {"".join(a.itertext()): a for a in tree.iter(f"{NS}a")}
    assert "usa-current" in links["My permits"].get("class")
    # A page of the section, not the item's own page.
    assert links["My permits"].get("aria-current") == "true"


def test_staff_menu_has_staff_pages_instead_of_the_public_check(client):
    admin = make_user(role=Role.ADMIN)
    sign_in_as(client, admin)
    tree = _tree(client.get("/staff/"))
    labels = ["".join(a.itertext()) for a in tree.find(f".//{NS}nav").iter(f"{NS}a")]
    assert labels == [
        "Staff home",
        "Applications",
        "Inspections",
        "Occupancy requests",
        "Certificates",
        "Pickups",
        "Payments",
        "Permits and people",
        "Exports",
        "Import permits",
        "Audit log",
        "Staff accounts",
        "Settings",
        "Inspection types",
        "Pickup hours",
        "Background jobs",
        "Your account",
    ]
    staff = make_user(role=Role.STAFF)
    sign_in_as(client, staff)
    tree = _tree(client.get("/staff/"))
    labels = ["".join(a.itertext()) for a in tree.find(f".//{NS}nav").iter(f"{NS}a")]
    assert "Settings" not in labels
    assert "Audit log" not in labels
    assert "Jobs" not in labels


def test_number_fields_are_text_inputs_with_a_numeric_keypad(client):
    tree = _tree(client.get("/do-i-need-a-certificate"))
    units = _by_id(tree, "non_residential_sq_ft")
    assert units.get("type") == "text"
    assert units.get("inputmode") == "numeric"
    assert units.get("min") is None


def test_a_number_typed_with_a_comma_is_understood(client):
    response = client.get(
        "/do-i-need-a-certificate",
        query_string={
            "units": "2",
            "non_residential_sq_ft": "12,500",
            "change_of_occupancy": "no",
            "groups": "none",
        },
    )
    tree = _tree(response)
    assert "".join(tree.find(f".//{NS}h1").itertext()) == "A Certificate of Occupancy is required"
    assert b"12,500 sq ft" in response.data


def test_long_option_lists_get_two_columns_and_short_ones_do_not(client):
    owner = make_user()
    permit = make_permit()
    add_party(permit, owner)
    make_application(permit, owner)
    sign_in_as(client, owner)
    tree = _tree(client.get(f"/permits/{permit.id}/application/building"))
    assert _options_class(tree, "occupancy_groups") == "portal-options portal-options--columns"
    assert _options_class(tree, "sprinklered") == "portal-options"


def test_error_page_offers_the_signed_in_user_their_home(client):
    user = make_user()
    sign_in_as(client, user)
    response = client.get("/permits/999999")
    assert response.status_code == 404
    tree = _tree(response)
    hrefs = [a.get("href") for a in tree.find(f".//{NS}main").iter(f"{NS}a")]
    assert hrefs == ["/permits/", "/"]


def test_the_error_summary_is_an_alert_whose_links_reach_the_first_option_of_a_group(client):
    response = client.get(
        "/do-i-need-a-certificate",
        query_string={"units": "2", "non_residential_sq_ft": "0", "groups": "none"},
    )
    tree = _tree(response)
    summary = _by_id(tree, "error-summary")
    assert summary.get("role") == "alert"
    assert summary.get("aria-labelledby") == "error-summary-title"
    assert "".join(_by_id(tree, "error-summary-title").itertext()) == "There is a problem"
    links = {"".join(a.itertext()): a.get("href") for a in summary.iter(f"{NS}a")}
    # A radio group's link leads to its first radio button, which the browser can focus.
    first_option = _by_id(tree, "change_of_occupancy-0")
    assert first_option.get("type") == "radio"
    assert links["Select yes if the use is changing"] == "#change_of_occupancy-0"
