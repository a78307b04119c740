"""Partial, temporary and final certificates: the guards of each kind, the final certificate
superseding the others, expiry in the department's time zone, extension, re-sending and the
reminders before a temporary certificate expires."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from portal import calendar
from portal.applications.models import ApplicationStatus
from portal.certificates import issuing, phases, reminders, verification, versions
from portal.certificates.errors import InvalidCertificate
from portal.certificates.models import CertificateKind, VersionStatus
from portal.errors import DomainError
from portal.extensions import db
from portal.inspections import catalogue
from portal.payments.models import Fee, FeeKind
from portal.permits.models import PermitStatus
from tests.factories import certificates as factories
from tests.support.audit import audit_entries
from tests.support.mail import emails_to, outbox


def _unpass(application, code: str) -> None:
    required = next(
        r
        for r in catalogue.required_inspections(application.permit_id)
        if r.inspection_type.code == code
    )
    required.passed_at = None
    db.session.commit()


def _temporary(application, staff, days=30, **overrides):
    fields = {
        "certificate_type": "temporary",
        "portion_of_building": "Floors 1-3, units 101-312",
        "expires_on": calendar.local_today() + timedelta(days=days),
        "outstanding_matters": "Roof deck railings",
        **overrides,
    }
    return factories.issue(application, staff, **fields)


def _partial(application, staff):
    return factories.issue(
        application,
        staff,
        certificate_type="partial",
        portion_of_building="Floors 1-3, units 101-312",
    )


def test_a_partial_certificate_may_be_issued_while_trade_inspections_are_open(application, staff):
    _unpass(application, "ELEC-FIN")
    certificate = _partial(application, staff)
    assert certificate.kind == CertificateKind.PARTIAL
    # Only the final certificate finals the permit and the application.
    assert application.status == ApplicationStatus.ACCEPTED
    assert application.permit.status_current != PermitStatus.FINALED
    with pytest.raises(DomainError, match="cannot be issued yet"):
        factories.issue(application, staff)


def test_a_partial_certificate_needs_the_c_of_o_inspections(application, staff):
    _unpass(application, "COFO-FPB")
    guards = issuing.issue_guards(application, CertificateKind.PARTIAL)
    assert not guards[1].ok
    assert "Fire Prevention Bureau" in guards[1].detail
    with pytest.raises(DomainError, match="cannot be issued yet"):
        _partial(application, staff)


def test_a_temporary_certificate_needs_its_outstanding_matters(application, staff):
    with pytest.raises(InvalidCertificate, match="outstanding matters") as refused:
        _temporary(application, staff, outstanding_matters="  ")
    assert refused.value.field == "outstanding_matters"
    certificate = _temporary(application, staff)
    assert certificate.kind == CertificateKind.TEMPORARY
    assert certificate.current_version.outstanding_matters == "Roof deck railings"


def test_a_partial_certificate_is_refused_while_a_fee_is_owed(application, staff):
    db.session.add(Fee(permit_id=application.permit_id, kind=FeeKind.INSPECTION, amount_cents=5000))
    db.session.commit()
    with pytest.raises(DomainError, match="cannot be issued yet"):
        _partial(application, staff)


def test_the_final_certificate_supersedes_partial_and_temporary_ones(application, staff):
    partial = _partial(application, staff)
    temporary = _temporary(application, staff)
    final = factories.issue(application, staff)
    assert final.kind == CertificateKind.FINAL
    assert application.permit.status_current == PermitStatus.FINALED
    for ended in (partial, temporary):
        db.session.refresh(ended)
        assert ended.superseded_by_id == final.id
        assert ended.versions[0].status == VersionStatus.SUPERSEDED
        result = verification.verify(ended.number)
        assert result.state == "replaced"
        assert result.certificate.superseded_by.number == final.number
    assert verification.verify(final.number).state == "valid"
    assert len(audit_entries("certificate.superseded")) == 2


def test_the_verify_page_says_superseded_by_the_final_number(client, application, staff):
    partial = _partial(application, staff)
    final = factories.issue(application, staff)
    page = client.get(f"/verify/{partial.number}").get_data(as_text=True)
    assert f"Superseded by {final.number}." in page
    assert "valid and current" not in page


def test_a_temporary_certificate_expires_after_its_last_day(
    client, application, staff, monkeypatch
):
    certificate = _temporary(application, staff, days=10)
    expires = certificate.current_version.expires_on
    monkeypatch.setattr(calendar, "local_today", lambda: expires)
    assert verification.verify(certificate.number).state == "valid"
    monkeypatch.setattr(calendar, "local_today", lambda: expires + timedelta(days=1))
    assert verification.verify(certificate.number).state == "expired"
    page = client.get(f"/verify/{certificate.number}").get_data(as_text=True)
    assert "Expired on" in page
    assert "not valid" in page
    assert "valid and current" not in page


def test_expiry_follows_the_department_time_zone(app, application, staff, monkeypatch):
    """11 pm in Chicago on the expiry day is 4 or 5 am UTC the next day: still valid."""
    from portal import calendar as department_calendar

    certificate = _temporary(application, staff, days=10)
    expires = certificate.current_version.expires_on
    late = datetime(expires.year, expires.month, expires.day, 23, tzinfo=calendar.department_zone())
    monkeypatch.setattr(department_calendar, "utcnow", lambda: late)
    assert verification.verify(certificate.number).state == "valid"
    monkeypatch.setattr(department_calendar, "utcnow", lambda: late + timedelta(hours=2))
    assert verification.verify(certificate.number).state == "expired"


def test_staff_extend_a_temporary_certificate_with_a_new_version(
    application, staff, owner, monkeypatch
):
    certificate = _temporary(application, staff, days=10)
    old = certificate.current_version
    monkeypatch.setattr(calendar, "local_today", lambda: old.expires_on + timedelta(days=1))
    assert verification.verify(certificate.number).state == "expired"
    new_date = old.expires_on + timedelta(days=60)
    with pytest.raises(InvalidCertificate, match="new expiry date after"):
        versions.extend(certificate, staff, old.expires_on, "Same date")
    new = versions.extend(certificate, staff, new_date, "Railings delayed by weather")
    assert not any("extended" in m.body_text for m in outbox())
    factories.make_pdfs()
    assert new.version_number == 2
    assert new.expires_on == new_date
    assert new.outstanding_matters == "Roof deck railings"
    assert verification.verify(certificate.number).state == "valid"
    assert verification.verify(f"{certificate.number}-V1").state == "superseded"
    assert any("extended" in m.body_text for m in outbox())


def test_only_a_temporary_certificate_can_be_extended(certificate, staff):
    with pytest.raises(DomainError, match="temporary"):
        versions.extend(
            certificate, staff, calendar.local_today() + timedelta(days=9), "Not temporary"
        )


def test_a_correction_keeps_the_kind(application, staff):
    certificate = _partial(application, staff)
    with pytest.raises(InvalidCertificate, match="keeps the certificate a Partial"):
        versions.regenerate(certificate, staff, factories.answers(), "Made it final")


def test_staff_choose_who_receives_the_certificate_email(application, staff):
    certificate = factories.issue(application, staff, recipients=["ari@example.com"])
    assert [m.to_address for m in outbox() if certificate.number in m.subject] == [
        "ari@example.com"
    ]
    [issued] = audit_entries("certificate.issued")
    assert issued.details["recipients"] == "ari@example.com"
    with pytest.raises(InvalidCertificate, match="Choose who receives"):
        versions.resend(certificate, staff, ["someone@elsewhere.example"])


def test_staff_resend_the_current_version_and_it_is_audited(certificate, staff, owner):
    before = len(emails_to(owner.email))
    sent = versions.resend(certificate, staff, [owner.email])
    assert sent == [owner.email]
    assert len(emails_to(owner.email)) == before + 1
    assert emails_to(owner.email)[-1].attachments[0]["sha256"] == (
        certificate.current_version.sha256
    )
    [resent] = audit_entries("certificate.resent")
    assert resent.details["recipients"] == owner.email


def test_the_issue_email_says_to_pick_up_the_hard_copy_before_occupying(certificate, owner):
    body = emails_to(owner.email)[-1].body_text
    assert "pick up the printed (hard copy) certificate" in body
    assert "pay all outstanding inspection fees" in body
    assert "book a time to pick it up" in body


def test_reminders_go_30_and_7_days_before_expiry_once_each(application, staff, owner):
    certificate = _temporary(application, staff, days=40)
    expires = certificate.current_version.expires_on
    subject = f"Temporary certificate {certificate.number} expires"

    def sent():
        return [m for m in emails_to(owner.email) if m.subject.startswith(subject)]

    assert reminders.send_expiry_reminders(expires - timedelta(days=31)) == 0
    assert reminders.send_expiry_reminders(expires - timedelta(days=30)) == 1
    assert reminders.send_expiry_reminders(expires - timedelta(days=29)) == 0
    assert len(sent()) == 1
    assert "in 30 days" in sent()[0].subject
    # A run that missed the seventh day still sends the second reminder, once.
    assert reminders.send_expiry_reminders(expires - timedelta(days=6)) == 1
    assert reminders.send_expiry_reminders(expires - timedelta(days=5)) == 0
    assert len(sent()) == 2
    assert "ask for an extension" in sent()[1].body_text


def test_the_reminders_start_afresh_after_an_extension(application, staff):
    certificate = _temporary(application, staff, days=7)
    assert reminders.send_expiry_reminders(calendar.local_today()) == 1
    versions.extend(certificate, staff, calendar.local_today() + timedelta(days=30), "More time")
    assert reminders.send_expiry_reminders(calendar.local_today()) == 1


def test_dashboard_counts_expiring_and_expired_temporary_certificates(application, staff):
    soon = _temporary(application, staff, days=20)
    assert phases.expiry_counts() == (1, 0)
    later = soon.current_version.expires_on + timedelta(days=1)
    assert phases.expiry_counts(later) == (0, 1)
    # Once the permit is finaled by its final certificate, nothing is left to chase.
    factories.issue(application, staff)
    assert phases.expiry_counts(later) == (0, 0)


def test_the_staff_home_shows_the_expiry_cards(staff_client, application, staff):
    _temporary(application, staff, days=20)
    page = staff_client.get("/staff/").get_data(as_text=True)
    assert "Temporary certificates expiring within 30 days" in page
    assert "Expired temporary certificates, permit not finaled" in page


def test_the_owner_page_lists_each_certificate_with_its_kind(owner_client, application, staff):
    partial = _partial(application, staff)
    temporary = _temporary(application, staff)
    page = owner_client.get(f"/permits/{application.permit_id}/certificate")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"Partial certificate {partial.number}" in text
    assert f"Temporary certificate {temporary.number}" in text
    assert "Ask for more time" in text
    assert "Before you occupy: pick up the printed certificate" in text
    pdf = owner_client.get(f"/permits/{application.permit_id}/certificates/{partial.id}/pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"


def test_issue_page_issues_a_partial_certificate_from_the_form(staff_client, application, staff):
    _unpass(application, "ELEC-FIN")
    url = f"/staff/applications/{application.id}/certificate?kind=partial"
    page = staff_client.get(url).get_data(as_text=True)
    assert "Issue a partial certificate" in page
    assert "The C of O inspections (building and fire) have passed" in page
    response = staff_client.post(
        url,
        data=factories.form_data(
            application, certificate_type="partial", portion_of_building="Floors 1-3"
        ),
    )
    assert response.status_code == 302
    [certificate] = db.session.scalars(
        select(phases.Certificate).where(phases.Certificate.permit_id == application.permit_id)
    ).all()
    assert certificate.kind == CertificateKind.PARTIAL
