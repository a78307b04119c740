"""Helpers for tests of the staff queues: follow their page links, count their queries."""

import html
import re
from urllib.parse import parse_qs, urlsplit

from tests.support.pages import check_page
from tests.support.queries import counted_queries

_LINK = r'<a href="([^"]+)" class="usa-pagination__link usa-pagination__{}-page"'


def page_link(body: bytes | str, which: str) -> str | None:
    """The URL of the "next" or "previous" link on a keyset-paged page, or None."""
    if isinstance(body, bytes):
        body = body.decode()
    match = re.search(_LINK.format(which), body)
    return html.unescape(match.group(1)) if match else None


def link_args(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def get_page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    check_page(response.data)
    return response.data.decode()


def walk(client, url: str, pick) -> tuple[list[list], list[str]]:
    """Follow "next" from ``url`` to the last page: what ``pick`` finds on each, and the URLs."""
    pages, urls = [], []
    while url:
        body = get_page(client, url)
        pages.append(pick(body))
        urls.append(url)
        url = page_link(body, "next")
    return pages, urls


def walk_back(client, url: str, pick) -> list[list]:
    """Follow "previous" from ``url`` to the first page, nearest page first."""
    pages = []
    while url:
        body = get_page(client, url)
        pages.append(pick(body))
        url = page_link(body, "previous")
    return pages


def count_queries(client, url: str) -> int:
    """How many SQL statements one GET of ``url`` runs."""
    with counted_queries() as statements:
        get_page(client, url)
    return len(statements)
