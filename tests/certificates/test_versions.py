"""Corrections make new versions; revocation ends the certificate everywhere; the owner
downloads the current PDF; the public verifies a number."""

import hashlib

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.certificates import errors, pickup, versions
from portal.certificates.models import CertificateVersion, PickupStatus, VersionStatus
from portal.documents.store import read_bytes
from portal.errors import DomainError
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.template_helpers import long_date
from portal.timeline import TimelineEntry
from tests.factories import add_party, make_permit, make_user, sign_in_as
from tests.factories import certificates as factories
from tests.support.pages import check_page
from tests.support.stored import stored_text


def _regenerate(certificate, staff, reason="Occupancy load corrected", **overrides):
    """A correction, with its PDF made as the render job makes it."""
    version = versions.regenerate(
        certificate, staff, factories.answers(occupancy_load=48, **overrides), reason
    )
    factories.make_pdfs()
    return version


def test_a_correction_is_a_new_version_and_the_old_one_is_kept_superseded(certificate, staff):
    first = certificate.current_version
    second = _regenerate(certificate, staff)
    db.session.expire_all()
    written = db.session.scalars(
        select(CertificateVersion).order_by(CertificateVersion.version_number)
    ).all()
    assert [(v.version_number, v.status) for v in written] == [
        (1, VersionStatus.SUPERSEDED),
        (2, VersionStatus.CURRENT),
    ]
    assert written[1].occupancy_load == 48
    assert written[1].sha256 != written[0].sha256
    assert written[0].sha256 == first.sha256
    assert second.correction_reason == "Occupancy load corrected"
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.contains("version 2"))
    ).all()
    assert mail
    assert all(m.attachments[0]["sha256"] == second.sha256 for m in mail)


def test_a_correction_needs_a_reason_and_valid_fields(certificate, staff):
    with pytest.raises(errors.InvalidCertificate, match="what was corrected"):
        _regenerate(certificate, staff, reason=" ")
    with pytest.raises(errors.InvalidCertificate, match="above 0"):
        versions.regenerate(certificate, staff, factories.answers(occupancy_load=0), "Load")
    db.session.expire_all()
    assert [v.status for v in certificate.versions] == [VersionStatus.CURRENT]


def test_the_owner_downloads_only_the_current_version(certificate, staff, owner_client):
    _regenerate(certificate, staff)
    db.session.expire_all()
    current = certificate.current_version
    response = owner_client.get(f"/permits/{certificate.permit_id}/certificate/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert f"{certificate.number}-v2.pdf" in response.headers["Content-Disposition"]
    assert hashlib.sha256(response.data).hexdigest() == current.sha256
    page = owner_client.get(f"/permits/{certificate.permit_id}/certificate")
    check_page(page.data)
    assert b"Download certificate" in page.data
    assert b"-V1" not in page.data
    assert b"-V2" in page.data


def test_staff_download_superseded_versions_marked_as_such(certificate, staff, staff_client):
    old = certificate.current_version
    _regenerate(certificate, staff)
    page = staff_client.get(f"/staff/certificates/{certificate.id}")
    check_page(page.data)
    assert b"Superseded" in page.data
    # Each version says the granted date (what /verify calls the issue date) apart from when
    # its PDF was generated: one "Issued" column showed the latter, and staff and the public
    # read two different dates for the same certificate.
    text = page.get_data(as_text=True)
    assert 'data-label="Granted">' + long_date(old.granted_date) in text
    assert 'data-label="Generated">' in text
    assert 'data-label="Issued"' not in text
    response = staff_client.get(f"/staff/certificates/{certificate.id}/versions/{old.id}/pdf")
    assert response.status_code == 200
    assert "SUPERSEDED" in response.headers["Content-Disposition"]
    assert response.data == read_bytes(old.stored_file)


def test_another_owners_certificate_is_not_found(app, certificate, staff):
    stranger = make_user(email="stranger@example.com")
    their_permit = make_permit()
    add_party(their_permit, stranger)
    client = app.test_client()
    sign_in_as(client, stranger)
    for url in (
        f"/permits/{certificate.permit_id}/certificate",
        f"/permits/{certificate.permit_id}/certificate/pdf",
        f"/staff/certificates/{certificate.id}",
        f"/staff/certificates/{certificate.id}/versions/{certificate.current_version.id}/pdf",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        check_page(response.data)
    assert client.get(f"/permits/{their_permit.id}/certificate/pdf").status_code == 404


def test_staff_regenerate_and_revoke_through_the_page(certificate, staff_client):
    data = factories.form_data(certificate, reason="Portion corrected")
    data.pop("version")
    data["portion_of_building"] = "Floors 1 to 5"
    response = staff_client.post(f"/staff/certificates/{certificate.id}/regenerate", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert certificate.current_version.portion_of_building == "Floors 1 to 5"

    response = staff_client.post(
        f"/staff/certificates/{certificate.id}/revoke",
        data={"revoke-csrf_token": staff_client.csrf_token(), "revoke-reason": ""},
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"Enter the reason for revoking" in response.data
    # Without the confirmation nothing happens, and what was typed is kept.
    response = staff_client.post(
        f"/staff/certificates/{certificate.id}/revoke",
        data={"revoke-csrf_token": staff_client.csrf_token(), "revoke-reason": "Issued in error"},
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"Tick the box to confirm you mean to withdraw the certificate" in response.data
    assert b"Issued in error</textarea>" in response.data
    db.session.expire_all()
    assert not certificate.is_revoked
    response = staff_client.post(
        f"/staff/certificates/{certificate.id}/revoke",
        data={
            "revoke-csrf_token": staff_client.csrf_token(),
            "revoke-reason": "Issued in error",
            "revoke-confirm": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert certificate.is_revoked
    assert [v.status for v in certificate.versions] == [
        VersionStatus.REVOKED,
        VersionStatus.SUPERSEDED,
    ]


def test_a_revoked_certificate_cannot_be_corrected_or_downloaded(certificate, staff, owner_client):
    versions.revoke(certificate, staff, "Issued in error", confirmed=True)
    with pytest.raises(DomainError, match="revoked"):
        _regenerate(certificate, staff)
    with pytest.raises(DomainError, match="already revoked"):
        versions.revoke(certificate, staff, "Again", confirmed=True)
    assert owner_client.get(f"/permits/{certificate.permit_id}/certificate/pdf").status_code == 404
    page = owner_client.get(f"/permits/{certificate.permit_id}/certificate")
    check_page(page.data)
    assert b"Revoked:" in page.data
    assert b"Issued in error" in page.data


def test_revoking_needs_a_reason_and_a_confirmation(certificate, staff):
    with pytest.raises(errors.InvalidCertificate, match="reason for revoking"):
        versions.revoke(certificate, staff, "  ", confirmed=True)
    with pytest.raises(errors.InvalidCertificate, match="confirm") as refusal:
        versions.revoke(certificate, staff, "Issued in error", confirmed=False)
    assert refusal.value.field == "confirm"
    db.session.expire_all()
    assert not certificate.is_revoked


def _book_pickup(certificate, owner):
    slots = factories.every_weekday(capacity=2)
    day = factories.free_day(3)
    return pickup.book_pickup(certificate.permit, owner, factories.choice(day, slots))


def test_revoking_cancels_the_booked_pickup_and_tells_the_owner_why(
    certificate, staff, owner, owner_client, staff_client
):
    appointment = _book_pickup(certificate, owner)
    when = pickup.pickup_time(appointment)
    # Staff are warned before they revoke.
    page = staff_client.get(f"/staff/certificates/{certificate.id}")
    check_page(page.data)
    assert "Revoking the certificate cancels it" in page.data.decode()

    versions.revoke(certificate, staff, "Issued in error", confirmed=True)

    db.session.expire_all()
    assert appointment.status == PickupStatus.CANCELLED
    email = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.to_address == owner.email, OutboxMessage.subject.contains("revoked")
        )
    )
    body = " ".join(email.body_text.split())
    assert f"The pickup of the printed certificate booked for {when} is cancelled" in body
    assert "because the certificate was revoked" in body
    # The calendar event the booking sent is withdrawn.
    assert [a["content_type"] for a in email.attachments] == ["text/calendar"]
    assert "METHOD:CANCEL" in stored_text(email.attachments[0]["sha256"])
    # No "book another time" email: there is nothing to collect.
    assert not db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.subject.startswith("Pickup cancelled"))
    )
    event = db.session.scalar(
        select(TimelineEntry).where(TimelineEntry.event == "pickup.cancelled_revoked")
    )
    assert event.text == (
        f"Pickup of the certificate on {when} cancelled because certificate "
        f"{certificate.number} was revoked"
    )
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "pickup.cancelled", AuditEvent.record_id == appointment.id
        )
    )

    page = owner_client.get(f"/permits/{certificate.permit_id}/certificate")
    check_page(page.data)
    text = " ".join(page.data.decode().split())
    assert "pickup of the printed certificate" in text
    assert "was cancelled because the certificate was revoked" in text
    timeline = owner_client.get(f"/permits/{certificate.permit_id}/timeline")
    assert "cancelled because certificate" in timeline.data.decode()
    page = staff_client.get(f"/staff/certificates/{certificate.id}")
    check_page(page.data)
    assert "was cancelled with it, and the email said so" in " ".join(page.data.decode().split())


def test_a_pickup_the_owner_cancelled_earlier_is_not_blamed_on_the_revocation(
    certificate, staff, owner, owner_client
):
    appointment = _book_pickup(certificate, owner)
    pickup.cancel_pickup(appointment, owner, appointment.version)
    versions.revoke(certificate, staff, "Issued in error", confirmed=True)
    page = owner_client.get(f"/permits/{certificate.permit_id}/certificate")
    assert b"because the certificate was revoked" not in page.data
    email = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.to_address == owner.email, OutboxMessage.subject.contains("revoked")
        )
    )
    assert "pickup" not in email.body_text
    assert email.attachments == []


# ---- public verification --------------------------------------------------------------------


def _verify(client, code):
    response = client.get(f"/verify/{code}")
    check_page(response.data)
    return response


def test_verification_says_valid_for_the_current_version(client, certificate):
    for code in (
        certificate.number,
        f"{certificate.number}-V1",
        f" {certificate.number.lower()}-v1",
    ):
        response = _verify(client, code.strip())
        assert response.status_code == 200
        assert b"<h1>Valid certificate</h1>" in response.data
    page = response.data.decode()
    for shown in (certificate.permit.address, "Floors 1 to 4", "42", "Final"):
        assert shown in page
    # Nothing more personal than the certificate shows: no owner, no email addresses.
    assert "Olivia Owner" not in page
    assert "@example.com" not in page


def test_verification_says_superseded_and_names_the_current_version(client, certificate, staff):
    _regenerate(certificate, staff)
    response = _verify(client, f"{certificate.number}-V1")
    assert b"<h1>Superseded certificate</h1>" in response.data
    assert b"The current version is version 2" in response.data
    assert b"<h1>Valid certificate</h1>" in _verify(client, f"{certificate.number}-V2").data


def test_verification_says_revoked(client, certificate, staff):
    versions.revoke(certificate, staff, "Issued in error", confirmed=True)
    for code in (certificate.number, f"{certificate.number}-V1"):
        assert b"<h1>Revoked certificate</h1>" in _verify(client, code).data


@pytest.mark.parametrize(
    ("code", "heading"),
    [
        ("CO-2026-999999", b"Certificate not found"),
        ("CO-2026-000001-V7", b"Certificate not found"),
        ("not-a-number", b"Not a certificate number"),
        ("CO-2026-1", b"Not a certificate number"),
        ("%3Cscript%3E", b"Not a certificate number"),
        ("CO-2026-000001-V0", b"Not a certificate number"),
    ],
)
def test_unknown_and_malformed_numbers_get_a_clear_not_found(client, certificate, code, heading):
    response = _verify(client, code)
    assert response.status_code == 404
    assert heading in response.data


def test_the_lookup_form_leads_to_the_verification_page(client, certificate):
    response = client.get("/verify")
    check_page(response.data)
    response = client.get(f"/verify?number={certificate.number.lower()}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{certificate.number}")


def test_verification_is_rate_limited(client, certificate):
    statuses = [client.get(f"/verify/{certificate.number}").status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


def test_the_permit_page_shows_the_certificate(owner_client, certificate):
    page = owner_client.get(f"/permits/{certificate.permit_id}")
    check_page(page.data)
    assert certificate.number.encode() in page.data
    assert b"Download the certificates, book a pickup or request occupancy" in page.data
