"""HTTP compression and caching (issue 14, items 9 to 11): what a browser on a slow
connection, and a cache between it and the portal, are told."""

import gzip
import hashlib
import re

import brotli
import pytest

from portal.auth.models import Role
from portal.certificates import versions
from tests.factories import make_permit, make_user, sign_in_as
from tests.factories.certificates import issue, ready_application, staff_user
from tests.support.exports import ask_for_export
from tests.support.jobs import run_jobs

CSS = "vendor/uswds/css/uswds.min.css"


def _static_urls(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', page)


def test_pages_link_static_files_by_a_hash_of_their_bytes(app, client):
    urls = _static_urls(client.get("/").get_data(as_text=True))
    assert urls
    assert all(re.search(r"\?v=[0-9a-f]{12}$", url) for url in urls)
    css = next(url for url in urls if CSS in url)
    with open(f"{app.static_folder}/{CSS}", "rb") as css_file:
        assert css.endswith(hashlib.sha256(css_file.read()).hexdigest()[:12])


def test_a_fingerprinted_static_file_is_cached_for_a_year_and_is_the_same_for_everyone(client):
    css = next(url for url in _static_urls(client.get("/").get_data(as_text=True)) if CSS in url)
    response = client.get(css)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers


def test_a_signed_in_visitor_gets_the_same_cacheable_static_file(app, owner):
    client = app.test_client()
    sign_in_as(client, owner)
    response = client.get(f"/static/{CSS}")
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert "no-store" not in response.headers["Cache-Control"]
    assert "Cookie" not in response.headers.get("Vary", "")


def test_a_stale_fingerprint_is_never_cached_and_a_bare_name_for_a_day(client):
    stale = client.get(f"/static/{CSS}?v=000000000000")
    assert stale.headers["Cache-Control"] == "no-cache"
    # The fonts and icons the USWDS stylesheet names by relative URL come without a hash.
    bare = client.get(f"/static/{CSS}")
    assert bare.headers["Cache-Control"] == "public, max-age=86400"
    assert bare.headers["ETag"]


@pytest.mark.parametrize(
    ("accepted", "encoding", "decode"),
    [("gzip", "gzip", gzip.decompress), ("gzip, deflate, br", "br", brotli.decompress)],
)
def test_the_stylesheet_is_compressed(client, accepted, encoding, decode):
    plain = client.get(f"/static/{CSS}").get_data()
    assert len(plain) > 500_000
    response = client.get(f"/static/{CSS}", headers={"Accept-Encoding": accepted})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    body = response.get_data()
    assert len(body) < 70_000
    assert decode(body) == plain


def test_pages_are_compressed_and_uncompressed_for_a_client_that_asks_for_nothing(client):
    compressed = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert b"<h1" in gzip.decompress(compressed.get_data())
    assert "Content-Encoding" not in client.get("/").headers


def test_a_public_page_must_be_revalidated_and_stays_out_of_shared_caches(client):
    response = client.get("/")
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_a_signed_in_page_is_never_stored(app, owner):
    client = app.test_client()
    sign_in_as(client, owner)
    assert client.get("/permits/").headers["Cache-Control"] == "no-store"


def test_verification_is_never_answered_from_a_cache(app, client, owner):
    with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
        staff = staff_user(email="staff@example.com")
        certificate = issue(ready_application(owner, None), staff)
        number = certificate.number
    valid = client.get(f"/verify/{number}")
    assert valid.headers["Cache-Control"] == "no-cache"
    assert b"Valid certificate" in valid.data
    with app.test_request_context(base_url=app.config["PORTAL_BASE_URL"]):
        versions.revoke(certificate, staff, "Issued in error", confirmed=True)
    revoked = client.get(f"/verify/{number}")
    assert revoked.headers["Cache-Control"] == "no-cache"
    assert b"Revoked certificate" in revoked.data


def test_an_exported_file_is_compressed_as_it_streams(client):
    make_permit(permit_num="BP-GZIP")
    sign_in_as(client, make_user(role=Role.STAFF))
    asked = ask_for_export(client)
    run_jobs()
    response = client.get(
        asked.headers["Location"] + "/download", headers={"Accept-Encoding": "gzip"}
    )
    assert response.is_streamed
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert gzip.decompress(response.get_data()).startswith(b"PermitNum,")
