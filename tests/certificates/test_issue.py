"""Issuing the C of O: guards, one transaction, gap-free numbers, the other outcomes, and
bad input on the staff form."""

import hashlib

import pytest
from sqlalchemy import func, select

from portal.applications.models import ApplicationStatus
from portal.audit import AuditEvent
from portal.certificates import answers, errors, issuing
from portal.certificates.models import Certificate, CertificateCounter, CertificateVersion
from portal.documents.store import read_bytes
from portal.errors import DomainError
from portal.extensions import db
from portal.jobs import local as local_jobs
from portal.notifications.models import OutboxMessage
from portal.payments import services as payments
from portal.payments.models import FeeKind
from portal.permits.models import PermitStatus
from portal.timeline import TimelineEntry
from tests.factories import certificates as factories
from tests.support.jobs import queued_jobs, run_jobs
from tests.support.pages import check_page


def _year() -> int:
    from portal import calendar

    return calendar.local_today().year


def test_issuing_numbers_the_certificate_stores_the_pdf_and_closes_the_record(
    application, staff, owner, agent
):
    certificate = factories.issue(application, staff)

    assert certificate.number == f"CO-{_year()}-000001"
    version = certificate.current_version
    assert version.version_number == 1
    data = read_bytes(version.stored_file)
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == version.sha256 == version.stored_file.sha256
    db.session.expire_all()
    assert application.status == ApplicationStatus.COFO_ISSUED
    assert application.permit.status_current == PermitStatus.FINALED

    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.contains(certificate.number))
    ).all()
    # Owner and agent (parties) and the application's two contacts with an address.
    assert sorted(m.to_address for m in mail) == sorted(
        [owner.email, agent.email, "owner.contact@example.com", "ari@example.com"]
    )
    for message in mail:
        assert message.attachments == [
            {
                "filename": f"{certificate.number}-v1.pdf",
                "content_type": "application/pdf",
                "sha256": version.sha256,
            }
        ]
    events = set(db.session.scalars(select(TimelineEntry.event)))
    assert {"certificate.issued", "permit.finaled"} <= events
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"certificate.issued", "application.cofo_issued", "permit.finaled"} <= actions


def test_numbers_run_on_within_the_year_without_gaps(staff):
    first = factories.issue(factories.ready_application(), staff)
    second = factories.issue(factories.ready_application(), staff)
    assert [first.sequence, second.sequence] == [1, 2]
    assert second.number == f"CO-{_year()}-000002"


def test_a_failed_issue_leaves_no_gap_and_nothing_half_done(application, staff, monkeypatch):
    def broken(permit, actor):
        raise DomainError("permit system unavailable")

    monkeypatch.setattr(issuing.permits, "finalize", broken)
    with pytest.raises(DomainError):
        factories.issue(application, staff)
    monkeypatch.undo()
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    assert db.session.scalar(select(CertificateCounter.last_number)) in (None, 0)
    assert application.status == ApplicationStatus.ACCEPTED
    # Nothing to render for an issue that rolled back.
    assert queued_jobs() == []
    assert factories.issue(application, staff).sequence == 1


def test_an_outstanding_fee_blocks_issuing(application, staff):
    payments.assess_fee(
        application.permit, FeeKind.REINSPECTION, reason="No access", amount_cents=15000
    )
    db.session.commit()
    guards = issuing.issue_guards(application)
    fee_guard = next(g for g in guards if "fee" in g.label)
    assert not fee_guard.ok
    assert "$150.00" in fee_guard.detail
    with pytest.raises(issuing.GuardsFailed):
        factories.issue(application, staff)
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_the_form_shows_failing_guards_as_a_checklist_and_no_submit(application, staff_client):
    from portal.inspections.models import RequiredInspection

    pending = db.session.scalars(
        select(RequiredInspection).where(RequiredInspection.permit_id == application.permit_id)
    ).first()
    pending.passed_at = None
    db.session.commit()
    response = staff_client.get(f"/staff/applications/{application.id}/certificate")
    assert response.status_code == 200
    check_page(response.data)
    page = response.data.decode()
    assert "Missing:" in page
    assert pending.inspection_type.name in page
    assert f"/permits/{application.permit_id}#inspections" in page
    assert "Issue the certificate</button>" not in page

    response = staff_client.post(
        f"/staff/applications/{application.id}/certificate",
        data=factories.form_data(application),
        follow_redirects=True,
    )
    check_page(response.data)
    assert b"cannot be issued yet" in response.data
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_staff_issue_through_the_form(application, staff_client):
    response = staff_client.get(f"/staff/applications/{application.id}/certificate")
    check_page(response.data)
    assert b"Issue the certificate</button>" in response.data
    response = staff_client.post(
        f"/staff/applications/{application.id}/certificate",
        data=factories.form_data(application),
    )
    certificate = db.session.scalar(select(Certificate))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/certificates/{certificate.id}")
    page = staff_client.get(response.headers["Location"])
    check_page(page.data)
    assert certificate.number.encode() in page.data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"occupancy_load": "0"}, b"Enter an occupancy load above 0"),
        ({"occupancy_load": "ten"}, b"Enter a whole number, like 12"),
        ({"occupancy_load": ""}, b"Enter the occupancy load"),
        ({"portion_of_building": ""}, b"Enter the portion of the building"),
        ({"certificate_type": "temporary"}, b"Enter the date the temporary certificate expires"),
        ({"confirm_professionals": None}, b"Confirm that the licensed professionals are verified"),
        ({"granted_date": "31/02/2026"}, b"Enter a real date"),
    ],
)
def test_bad_input_comes_back_with_a_clear_message_and_what_was_typed(
    application, staff_client, overrides, message
):
    data = factories.form_data(application, **overrides)
    response = staff_client.post(f"/staff/applications/{application.id}/certificate", data=data)
    assert response.status_code == 200
    check_page(response.data)
    assert message in response.data
    assert b"Floors 1 to 4" in response.data or overrides.get("portion_of_building") == ""
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    assert db.session.scalar(select(func.count(CertificateVersion.id))) == 0


def test_outstanding_matters_must_be_stated_as_conditions(application, staff, staff_client):
    factories.cofo_granted_with_outstanding(application, staff)
    with pytest.raises(errors.InvalidCertificate, match="outstanding matters"):
        factories.issue(application, staff)
    response = staff_client.post(
        f"/staff/applications/{application.id}/certificate",
        data=factories.form_data(application),
    )
    check_page(response.data)
    assert b"enter them as conditions" in response.data
    certificate = factories.issue(application, staff, conditions="Handrail on stair 2 by June")
    assert certificate.current_version.conditions == "Handrail on stair 2 by June"


def test_a_temporary_certificate_carries_its_expiry(application, staff):
    from datetime import timedelta

    expiry = factories.answers()["granted_date"] + timedelta(days=90)
    certificate = factories.issue(
        application,
        staff,
        certificate_type="temporary",
        expires_on=expiry,
        outstanding_matters="Landscaping",
    )
    assert certificate.current_version.expires_on == expiry
    with pytest.raises(errors.InvalidCertificate, match="after the granted date"):
        answers.check_answers(
            factories.answers(
                certificate_type="temporary",
                expires_on=factories.answers()["granted_date"],
                outstanding_matters="Landscaping",
            ),
            application.permit_id,
        )


def test_a_stale_form_is_refused(application, staff):
    version = application.version
    application.portion_of_building = "Changed meanwhile"
    db.session.commit()
    with pytest.raises(DomainError, match="changed since"):
        issuing.issue(application, staff, version, factories.answers())


def test_one_certificate_per_application(application, staff):
    factories.issue(application, staff)
    with pytest.raises(DomainError):
        factories.issue(application, staff)
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_staff_can_choose_inspections_complete_or_not_applicable(application, staff_client):
    response = staff_client.post(
        f"/staff/applications/{application.id}/certificate/inspections-complete",
        data={
            "complete-csrf_token": staff_client.csrf_token(),
            "complete-version": str(application.version),
        },
        follow_redirects=True,
    )
    check_page(response.data)
    db.session.expire_all()
    assert application.status == ApplicationStatus.INSPECTIONS_COMPLETE

    response = staff_client.post(
        f"/staff/applications/{application.id}/certificate/not-applicable",
        data={
            "na-csrf_token": staff_client.csrf_token(),
            "na-version": str(application.version),
            "na-reason": "",
        },
    )
    assert response.status_code == 200
    check_page(response.data)
    assert b"Enter the reason" in response.data
    response = staff_client.post(
        f"/staff/applications/{application.id}/certificate/not-applicable",
        data={
            "na-csrf_token": staff_client.csrf_token(),
            "na-version": str(application.version),
            "na-reason": "Two-flat: not required",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert application.status == ApplicationStatus.NOT_APPLICABLE


def test_the_staff_list_shows_applications_waiting(application, staff_client):
    response = staff_client.get("/staff/certificates")
    check_page(response.data)
    assert application.confirmation_number.encode() in response.data


def test_applicants_cannot_reach_the_issue_page(application, owner_client):
    assert owner_client.get(f"/staff/applications/{application.id}/certificate").status_code == 404


def test_a_store_that_cannot_take_the_pdf_leaves_it_being_prepared_and_retried(
    application, staff_client, store_down
):
    # The issue itself writes nothing to the store: it goes through, and the render job
    # that meets the store away is retried with backoff.
    response = staff_client.post(
        f"/staff/applications/{application.id}/certificate",
        data=factories.form_data(application),
    )
    assert response.status_code == 302
    version = db.session.scalars(select(CertificateVersion)).one()
    assert not version.pdf_ready
    run_jobs()
    [waiting] = [job for job in local_jobs.QUEUE.jobs() if job.name == "certificates.render_pdf"]
    assert waiting.status == local_jobs.QUEUED
    assert "cannot be reached" in waiting.error
    db.session.expire_all()
    assert not db.session.scalars(select(CertificateVersion)).one().pdf_ready
