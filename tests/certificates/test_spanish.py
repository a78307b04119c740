"""A Spanish-speaking owner's certificate, pickup email and calendar file come in Spanish,
whoever's request makes them; the certificate keeps its legal statement in English too."""

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.certificates import pickup
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.factories import certificates as factories
from tests.support import catalogs
from tests.support.stored import stored_path, stored_text


def spanish(msgid: str) -> str:
    return catalogs.spanish()[msgid].string


@pytest.fixture
def owner(owner):
    owner.locale = "es"
    db.session.commit()
    return owner


def _text(path: Path) -> str:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    return " ".join(text.decode().split())


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_an_english_speaking_clerk_issues_a_spanish_owner_a_spanish_certificate(application, staff):
    certificate = factories.issue(application, staff)
    text = _text(stored_path(certificate.current_version.sha256))
    assert spanish("Certificate of Occupancy") in text
    assert "(Final Certificate of Occupancy)" in text  # the legal name, with its kind
    assert spanish("Permit number") in text
    # The statement in Spanish, and the English text of record.
    assert spanish("Text of record (English):") in text
    assert "comply substantially with the requirements of the building code" in text
    assert " de 20" in text  # a Spanish date: "21 de noviembre de 2026"


def test_the_pickup_email_and_calendar_file_are_in_the_owners_language(certificate, owner, staff):
    slots = factories.every_weekday(capacity=2)
    pickup.book_pickup(certificate.permit, staff, factories.choice(factories.free_day(3), slots))
    newest_first = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    message = db.session.scalars(
        newest_first.where(OutboxMessage.to_address == owner.email)
    ).first()
    assert message.subject.startswith(
        spanish("Pickup booked: certificate %(number)s, %(when)s")[:8]
    )
    assert "Pickup" not in message.subject
    calendar = stored_text(message.attachments[0]["sha256"])
    summary = spanish("Pick up Certificate of Occupancy %(number)s") % {
        "number": certificate.number
    }
    assert "SUMMARY:" + summary in calendar.replace("\r\n ", "")
    # The clerk who booked it reads English: their copy is in English.
    staff_copy = db.session.scalars(
        newest_first.where(OutboxMessage.to_address == staff.email)
    ).first()
    assert staff_copy.subject.startswith("Pickup booked")
