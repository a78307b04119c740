"""The certificate PDF: every required field in its text, one tagged page, a QR code for the
verification URL, and a renderer that can fetch nothing but the app's static files."""

import base64
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import current_app
from werkzeug.datastructures import FileStorage

from portal.auth.models import Role
from portal.certificates import pdf
from portal.pdf_fetching import RefusedURL, StaticOnlyFetcher
from portal.settings import seal
from tests.factories import certificates as factories
from tests.factories import make_user
from tests.support.files import real_png
from tests.support.pdfs import alt_texts, image_count, link_uris, table_headers
from tests.support.stored import stored_path

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")


def _text(path: Path) -> str:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    return " ".join(text.decode().split())


def test_the_pdf_holds_every_required_field(application, staff):
    from datetime import timedelta

    granted = factories.answers()["granted_date"]
    certificate = factories.issue(
        application,
        staff,
        certificate_type="temporary",
        expires_on=granted + timedelta(days=60),
        conditions="Second stair handrail to be installed",
        outstanding_matters="Paint the lobby",
    )
    version = certificate.current_version
    text = _text(stored_path(version.sha256))
    permit = application.permit
    config = current_app.config
    expected = [
        config["PORTAL_CITY"],
        config["PORTAL_DEPARTMENT"],
        f"Certificate number {certificate.number}, version 1",
        permit.permit_num,
        permit.address,
        "Olivia Owner",
        "1 Owner Way, Chicago, IL 60601",
        "Floors 1 to 4",
        "R-2, B",
        "42 persons",
        "VA",
        "Temporary",
        "Valid until the end of",
        "Paint the lobby",
        "comply substantially with the requirements of the building code",
        "Second stair handrail to be installed",
        config["PORTAL_BUILDING_OFFICIAL"],
        config["PORTAL_BUILDING_OFFICIAL_TITLE"],
    ]
    missing = [item for item in expected if item not in text]
    assert not missing, f"missing from the PDF: {missing}"
    assert re.search(r"Granted \d{1,2} \w+ \d{4}", text)
    # The short URL may wrap; without spaces it is whole.
    url = f"{config['PORTAL_BASE_URL']}/verify/{certificate.number}-V1"
    assert url in text.replace(" ", "")


def test_the_pdf_is_one_tagged_page(certificate):
    info = subprocess.run(
        ["pdfinfo", str(stored_path(certificate.current_version.sha256))],
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert re.search(r"^Pages:\s+1$", info, re.M)
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert "Certificate of Occupancy" in info


def test_the_qr_code_names_the_verification_url(certificate):
    version = certificate.current_version
    data = pdf.certificate_data(
        version, code=version.code, number=certificate.number, kind=certificate.kind
    )
    assert data["verify_url"] == (
        f"{current_app.config['PORTAL_BASE_URL']}/verify/{certificate.number}-V1"
    )
    # segno encodes the URL given; its SVG's title says what it is, for the tagged PDF's alt.
    assert (
        f"<title>QR code: verify this certificate at {data['verify_url']}</title>"
        in (data["qr_svg"])
    )
    assert data["qr_svg"].startswith("<svg")


def test_the_renderer_gets_plain_strings_only(certificate):
    version = certificate.current_version
    data = pdf.certificate_data(
        version, code=version.code, number=certificate.number, kind=certificate.kind
    )
    assert all(isinstance(value, str | int) for value in data.values())


def test_the_fetcher_refuses_everything_but_static_files(app, tmp_path):
    fetcher = StaticOnlyFetcher(app.static_folder)
    css = Path(app.static_folder) / "css" / "portal.css"
    response = fetcher.fetch(css.resolve().as_uri())
    assert b"portal" in response.read()
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/logo.png",
        secret.as_uri(),
        (Path(app.static_folder) / ".." / "config.py").as_uri(),
        "file:///etc/passwd",
        "data:text/plain,hello",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def test_a_field_cannot_make_the_renderer_fetch_anything(app, certificate, monkeypatch):
    """Typed text is escaped, and even a template's own reference to another host is refused."""
    seen = []
    original = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        seen.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    version = certificate.current_version
    data = pdf.certificate_data(
        version, code=version.code, number=certificate.number, kind=certificate.kind
    )
    data["description"] = (
        '<img src="http://attacker.example/x.png"><link rel=stylesheet href="file:///etc/passwd">'
    )
    rendered = pdf.render(data)
    assert rendered.pages == 1
    # Only the placeholder seal, from the static folder, was fetched.
    assert seen == [(Path(app.static_folder) / seal.PLACEHOLDER).resolve().as_uri()]


def test_the_fetcher_serves_only_the_data_url_it_was_given(app):
    given = "data:image/png;base64," + base64.b64encode(b"\x89PNG seal").decode()
    fetcher = StaticOnlyFetcher(app.static_folder, (given,))
    response = fetcher.fetch(given)
    assert (response.read(), response.content_type) == (b"\x89PNG seal", "image/png")
    with pytest.raises(RefusedURL):
        fetcher.fetch("data:image/png;base64," + base64.b64encode(b"\x89PNG other").decode())


def test_the_certificate_looks_official(certificate):
    """The seal, the official's signature line, the posting notice, and a QR code whose alt
    text says what it is, with the verification address as a link."""
    data = stored_path(certificate.current_version.sha256).read_bytes()
    text = " ".join(
        subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
        .stdout.decode()
        .split()
    )
    config = current_app.config
    url = f"{config['PORTAL_BASE_URL']}/verify/{certificate.number}-V1"
    for expected in (
        config["PORTAL_BUILDING_OFFICIAL"],
        f"{config['PORTAL_BUILDING_OFFICIAL_TITLE']}, {config['PORTAL_DEPARTMENT']}",
        "This certificate must be posted in a conspicuous place on the premises.",
        "City Hall, Room 900, 121 N LaSalle St, Chicago, IL 60602",
        "Phone: 312-744-3449",
    ):
        assert expected in text, expected
    assert alt_texts(data) == [
        f"Seal of the {config['PORTAL_DEPARTMENT']}, {config['PORTAL_CITY']}",
        f"QR code: verify this certificate at {url}",
    ]
    # A link per line the wrapped address takes, each to the verification page.
    assert set(link_uris(data)) == {url}
    # The placeholder seal is drawn (SVG), not a raster image.
    assert image_count(data) == 0


def test_an_uploaded_seal_prints_on_the_next_certificate(application, staff):
    admin = make_user(name="Ada Admin", email="admin@example.com", role=Role.ADMIN)
    seal.replace(FileStorage(io.BytesIO(real_png()), "seal.png"), admin, "0")
    certificate = factories.issue(application, staff)
    data = stored_path(certificate.current_version.sha256).read_bytes()
    assert image_count(data) == 1
    assert alt_texts(data)[0].startswith("Seal of the ")


def test_every_header_link_resolves_through_the_id_tree(certificate):
    """Each data cell's /Headers names a TH found through the StructTreeRoot's /IDTree, and
    the certificate's headers head their rows."""
    data = stored_path(certificate.current_version.sha256).read_bytes()
    links = table_headers(data)
    assert len(links) >= 9
    assert {scope for _id, scope in links} == {"/Row"}


def test_a_certificate_too_long_for_one_page_flows_onto_the_next(certificate):
    """The frame is one page high so the foot sits at its bottom; long conditions must not
    push the notice, the signature and the QR code out of sight."""
    version = certificate.current_version
    data = pdf.certificate_data(
        version, code=version.code, number=certificate.number, kind=certificate.kind
    )
    data["conditions"] = "Second stair handrail to be installed by 31 March 2027. " * 60
    rendered = pdf.render(data)
    assert rendered.pages == 2
    text = " ".join(
        subprocess.run(
            ["pdftotext", "-", "-"], input=rendered.data, capture_output=True, check=True
        )
        .stdout.decode()
        .split()
    )
    assert "This certificate must be posted in a conspicuous place on the premises." in text
    assert current_app.config["PORTAL_BUILDING_OFFICIAL"] in text
    assert len(alt_texts(rendered.data)) == 2
