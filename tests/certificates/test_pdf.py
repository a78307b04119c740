"""The certificate PDF: every required field in its text, one tagged page, a QR code for the
verification URL, and a renderer that can fetch nothing but the app's static files."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import current_app

from portal.certificates import pdf
from tests.factories import certificates as factories
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
    # segno encodes the URL given; its SVG carries the URL as its title.
    assert f"<title>{data['verify_url']}</title>" in data["qr_svg"]
    assert data["qr_svg"].startswith("<svg")


def test_the_renderer_gets_plain_strings_only(certificate):
    version = certificate.current_version
    data = pdf.certificate_data(
        version, code=version.code, number=certificate.number, kind=certificate.kind
    )
    assert all(isinstance(value, str | int) for value in data.values())


def test_the_fetcher_refuses_everything_but_static_files(app, tmp_path):
    fetcher = pdf.StaticOnlyFetcher(app.static_folder)
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
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(url)


def test_a_field_cannot_make_the_renderer_fetch_anything(app, certificate, monkeypatch):
    """Typed text is escaped, and even a template's own reference to another host is refused."""
    seen = []
    original = pdf.StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        seen.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.StaticOnlyFetcher, "fetch", spy)
    version = certificate.current_version
    data = pdf.certificate_data(
        version, code=version.code, number=certificate.number, kind=certificate.kind
    )
    data["description"] = (
        '<img src="http://attacker.example/x.png"><link rel=stylesheet href="file:///etc/passwd">'
    )
    rendered = pdf.render(data)
    assert rendered.pages == 1
    assert seen == []
