"""The layout's cached blocks (portal/fragments.py) give the same page as rendering every
block each time, whoever is signed in, on whichever page, in either language."""

import re

import pytest

from tests.factories import sign_in_as
from tests.factories.world import build_world

PAGES = {
    None: ["/", "/status", "/account/sign-in", "/help"],
    "owner": ["/permits/", "/permits/claim", "/account/password", "{permit}"],
    "staff": ["/staff/", "/staff/applications", "/account/password", "{permit}"],
    "admin": ["/staff/", "/staff/audit", "/staff/users"],
}
# Per request by design: the CSRF token and the page's own address (the language form).
TOKEN = re.compile(rb'name="csrf_token"[^>]* value="[^"]*"')


def _pages(client, world, who: str | None) -> dict[str, bytes]:
    pages = {}
    for path in PAGES[who]:
        path = path.format(permit=f"/permits/{world.permit.id}")
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = TOKEN.sub(b"", response.data)
    return pages


@pytest.mark.parametrize("who", PAGES)
@pytest.mark.parametrize("language", ["en", "es"])
def test_cached_blocks_give_the_page_rendered_in_full(app, client, monkeypatch, who, language):
    world = build_world()
    if who:
        sign_in_as(client, getattr(world, who))
    if language == "es":
        response = client.post(
            "/account/language",
            data={"locale": "es", "next": "/", "csrf_token": client.csrf_token()},
        )
        assert response.status_code == 302
    # Every other kind of visitor's pages first, so the cache holds their blocks too.
    for other in PAGES:
        if other != who:
            visitor = app.test_client()
            if other:
                sign_in_as(visitor, getattr(world, other))
            visitor.get(PAGES[other][0])
    cached = _pages(client, world, who)
    monkeypatch.setattr(app.jinja_env, "auto_reload", True)
    assert _pages(client, world, who) == cached


def test_a_page_of_another_section_marks_its_own_menu_item(owner_client):
    home = owner_client.get("/permits/").get_data(as_text=True)
    account = owner_client.get("/account/password").get_data(as_text=True)
    assert re.search(r'aria-current="page"><span>My permits', home)
    assert not re.search(r'aria-current="[^"]+"><span>My permits', account)
