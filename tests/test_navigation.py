"""The header's menu: staff items grouped in USWDS menus, and the current item marked
(aria-current) on every staff page and every page of a permit, as each page renders it."""

import html5lib
import pytest
from flask import current_app

from portal.access import ACCESS_ATTR
from tests.factories import sign_in_as
from tests.factories.world import build_world
from tests.support.pages import check_page
from tests.support.routes import build_url, routes

NS = "{http://www.w3.org/1999/xhtml}"


def _tree(response):
    check_page(response.data)
    return html5lib.parse(response.data.decode("utf-8"))


def _main_nav(tree):
    return next(n for n in tree.iter(f"{NS}nav") if n.get("aria-label") == "Main")


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _current(tree) -> list[str]:
    return [_text(a) for a in _main_nav(tree).iter(f"{NS}a") if a.get("aria-current")]


def _rule(rule) -> str:
    return getattr(current_app.view_functions[rule.endpoint], ACCESS_ATTR, "")


def _pages(client, world, wanted) -> dict[str, object]:
    """Each GET route the wanted() rule picks, requested by the signed-in client: the parsed
    pages that answered 200 with HTML, by endpoint."""
    pages = {}
    for rule in routes(current_app, "GET"):
        if not wanted(rule):
            continue
        response = client.get(build_url(rule, world))
        if response.status_code == 200 and response.mimetype == "text/html":
            pages[rule.endpoint] = _tree(response)
    return pages


@pytest.mark.parametrize("actor", ["staff", "admin"])
def test_every_staff_page_marks_one_menu_item(client, actor):
    world = build_world()
    sign_in_as(client, getattr(world, actor))
    pages = _pages(
        client,
        world,
        lambda rule: (
            rule.rule.startswith("/staff/")
            or _rule(rule) in ("staff", "admin")
            or "permit_id" in rule.arguments
        ),
    )
    assert len(pages) > 30
    unmarked = {endpoint: _current(tree) for endpoint, tree in pages.items()}
    wrong = {endpoint: marked for endpoint, marked in unmarked.items() if len(marked) != 1}
    assert wrong == {}, f"pages without exactly one current menu item: {wrong}"
    # A permit's pages belong to the permit record, under Records.
    assert unmarked["permits.permit"] == ["Permits and people"]
    assert unmarked["inspections.result"] == ["Inspections"]
    assert unmarked["certificates.staff_certificate"] == ["Certificates"]


def test_every_page_of_a_permit_marks_my_permits_for_its_owner(client):
    world = build_world()
    sign_in_as(client, world.owner)
    pages = _pages(
        client,
        world,
        lambda rule: "permit_id" in rule.arguments or rule.endpoint == "permits.home",
    )
    # Inspections, fees, payments and the certificate are among them.
    assert {"inspections.detail", "payments.fees", "certificates.certificate"} <= set(pages)
    marked = {endpoint: _current(tree) for endpoint, tree in pages.items()}
    wrong = {endpoint: items for endpoint, items in marked.items() if items != ["My permits"]}
    assert wrong == {}


def test_staff_items_are_grouped_in_three_menus_with_the_account_beside_them(client):
    world = build_world()
    sign_in_as(client, world.admin)
    tree = _tree(client.get("/staff/audit"))
    nav = _main_nav(tree)
    primary = next(ul for ul in nav.iter(f"{NS}ul") if "usa-nav__primary" in ul.get("class", ""))
    buttons = [b for b in primary.iter(f"{NS}button") if "usa-nav__link" in b.get("class", "")]
    assert [_text(b) for b in buttons] == ["Work queues", "Records", "Admin"]
    for button in buttons:
        menu = next(el for el in nav.iter() if el.get("id") == button.get("aria-controls"))
        # USWDS's script hides each menu as it starts; without it they stay open and usable.
        assert menu.get("hidden") is None
        assert button.get("aria-expanded") == "false"
    # The section of the page is drawn as current on its menu's button.
    assert [_text(b) for b in buttons if "usa-current" in b.get("class")] == ["Records"]
    assert _current(tree) == ["Audit log"]
    secondary = next(
        ul for ul in nav.iter(f"{NS}ul") if "usa-nav__secondary-links" in ul.get("class", "")
    )
    assert "Your account" in _text(secondary)
    assert "Sign out" in _text(secondary)
    # The search box has a label shown on the page, not only to screen readers.
    label = next(lb for lb in tree.iter(f"{NS}label") if lb.get("for") == "portal-header-search")
    assert "usa-sr-only" not in label.get("class")

    sign_in_as(client, world.staff)
    tree = _tree(client.get("/staff/"))
    buttons = [_text(b) for b in _main_nav(tree).iter(f"{NS}button") if b.get("aria-controls")]
    assert buttons == ["Work queues", "Records"]
    assert "Audit log" not in _text(_main_nav(tree))


@pytest.mark.parametrize("actor", ["owner", "admin"])
def test_every_page_of_a_permit_names_the_permit_in_its_title(client, actor):
    world = build_world()
    sign_in_as(client, getattr(world, actor))
    pages = _pages(client, world, lambda rule: "permit_id" in rule.arguments)
    assert "inspections.request_inspection" in pages or actor == "admin"
    titles = {endpoint: _text(tree.find(f".//{NS}title")) for endpoint, tree in pages.items()}
    unnamed = {e: t for e, t in titles.items() if world.permit.permit_num not in t}
    assert unnamed == {}
    if actor == "owner":
        assert titles["inspections.request_inspection"] == (
            f"Request an inspection: {world.permit.permit_num} – Occupancy Portal"
        )
