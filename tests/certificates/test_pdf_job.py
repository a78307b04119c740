"""The certificate's PDF is made by a background job after the issue's commit: the version
is issued and verifies at once, its PDF and the emails carrying it follow; pages and
downloads say "being prepared" until then; the job is idempotent, retried, swept and
listed for staff when it fails for good."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import tasks
from portal.certificates import pdf, rendering, verification, versions
from portal.certificates.models import CertificateVersion
from portal.documents.store import read_bytes
from portal.errors import DomainError, IllegalTransition
from portal.extensions import db
from portal.jobs import local, queueing
from portal.models import utcnow
from portal.notifications.models import OutboxMessage
from tests.factories import certificates as factories
from tests.support.audit import audit_entries
from tests.support.jobs import fail_for_good, queued_jobs, run_jobs
from tests.support.pages import check_page

JOB = queueing.job_id(rendering.TASK, (1,))


def _mail_about(number: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains(number)))
    )


def _version() -> CertificateVersion:
    db.session.expire_all()
    return db.session.scalars(select(CertificateVersion).order_by(CertificateVersion.id)).one()


def test_the_certificate_is_issued_at_once_and_its_pdf_and_emails_follow_from_the_job(
    application, staff, owner, agent
):
    certificate = factories.issue(application, staff, pdf=False)

    version = _version()
    assert not version.pdf_ready
    assert version.stored_file_id is None
    assert version.sha256 is None
    # Issued: the public can verify it before the PDF exists.
    assert verification.verify(certificate.number).state == "valid"
    # The emails carry the PDF, so they wait for it.
    assert _mail_about(certificate.number) == []
    assert JOB in queued_jobs()

    run_jobs()

    version = _version()
    data = read_bytes(version.stored_file)
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == version.sha256
    assert version.pending_emails is None
    # Nothing left to send, as SQL says it too.
    assert (
        db.session.scalar(select(func.count()).where(CertificateVersion.pending_emails.is_(None)))
        == 1
    )
    mail = _mail_about(certificate.number)
    assert sorted(m.to_address for m in mail) == sorted(
        [owner.email, agent.email, "owner.contact@example.com", "ari@example.com"]
    )
    assert all(m.attachments[0]["sha256"] == version.sha256 for m in mail)
    assert all(version.sha256 in m.body_text for m in mail)
    [ready] = audit_entries("certificate.pdf_ready")
    assert ready.details["sha256"] == version.sha256


def test_making_the_pdf_twice_is_making_it_once(application, staff):
    certificate = factories.issue(application, staff)
    sha256 = _version().sha256
    mail = len(_mail_about(certificate.number))

    rendering.render_version_pdf(_version().id)
    # Its own job, queued by the issue, runs after the PDF was made.
    assert JOB in queued_jobs()
    run_jobs()

    assert _version().sha256 == sha256
    assert len(_mail_about(certificate.number)) == mail
    assert len(audit_entries("certificate.pdf_ready")) == 1
    assert tasks.sweep_certificate_pdfs() == 0


def test_a_render_that_fails_is_retried_then_listed_for_staff_and_retried_by_them(
    application, staff, monkeypatch
):
    certificate = factories.issue(application, staff, pdf=False)

    def broken(data):
        raise DomainError("renderer unavailable")

    monkeypatch.setattr(pdf, "render", broken)
    run_jobs()
    # Waiting for its retry, still "being prepared"; nothing was emailed.
    [waiting] = [job for job in local.QUEUE.jobs() if job.id == JOB]
    assert waiting.status == local.QUEUED
    assert waiting.run_after > utcnow()
    assert "renderer unavailable" in waiting.error
    fail_for_good(JOB)
    assert not _version().pdf_ready
    assert _mail_about(certificate.number) == []
    # The Background jobs page lists it.
    [failed] = queueing.overview().failed
    assert (failed.id, str(failed.label)) == (JOB, "Make a certificate's PDF")

    monkeypatch.undo()
    assert queueing.retry(JOB, staff)
    run_jobs()
    assert _version().pdf_ready
    assert len(_mail_about(certificate.number)) == 4


def test_the_sweep_queues_the_pdf_of_a_version_whose_job_was_lost(application, staff):
    factories.issue(application, staff, pdf=False)
    # The process that held the job was restarted (or Redis lost it).
    local.QUEUE.clear()

    assert tasks.sweep_certificate_pdfs() == 1
    assert tasks.sweep_certificate_pdfs() == 0  # already queued: once
    run_jobs()
    assert _version().pdf_ready


def test_downloads_say_being_prepared_until_the_job_ran(
    application, staff, owner_client, staff_client
):
    certificate = factories.issue(application, staff, pdf=False)
    permit_id = application.permit_id
    version_id = _version().id
    owner_downloads = (
        f"/permits/{permit_id}/certificate/pdf",
        f"/permits/{permit_id}/certificates/{certificate.id}/pdf",
    )
    staff_download = f"/staff/certificates/{certificate.id}/versions/{version_id}/pdf"
    # The job is lost: asking for the file queues it again.
    local.QUEUE.clear()

    for client, url in [(owner_client, u) for u in owner_downloads] + [
        (staff_client, staff_download)
    ]:
        response = client.get(url)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == str(rendering.RETRY_AFTER_SECONDS)
        assert response.headers["Cache-Control"] == "no-store"
        check_page(response.data)
        assert "PDF is being prepared" in response.text
        assert f"{certificate.number}-V1" in response.text
    assert queued_jobs() == [JOB]

    run_jobs()
    for client, url in [(owner_client, u) for u in owner_downloads] + [
        (staff_client, staff_download)
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert response.data.startswith(b"%PDF-")


def test_the_pages_say_the_pdf_is_being_prepared_with_a_refresh_link(
    application, staff, owner_client, staff_client
):
    certificate = factories.issue(application, staff, pdf=False)
    permit_id = application.permit_id
    refresh = {
        (owner_client, f"/permits/{permit_id}"): f'href="/permits/{permit_id}"',
        (owner_client, f"/permits/{permit_id}/certificate"): (
            f'href="/permits/{permit_id}/certificate"'
        ),
        (staff_client, f"/staff/certificates/{certificate.id}"): (
            f'href="/staff/certificates/{certificate.id}"'
        ),
        (staff_client, f"/staff/permits/{permit_id}"): f'href="/staff/permits/{permit_id}#',
    }
    for (client, url), link in refresh.items():
        page = client.get(url)
        check_page(page.data)
        assert "being prepared" in page.text.lower(), url
        assert link in page.text, url
        assert "certificate/pdf" not in page.text, url
        assert "/versions/1/pdf" not in page.text, url
    staff_page = staff_client.get(f"/staff/certificates/{certificate.id}")
    assert "Send the certificate" not in staff_page.text

    run_jobs()
    for (client, url), _link in refresh.items():
        page = client.get(url)
        assert "being prepared" not in page.text.lower(), url
    assert "certificate/pdf" in owner_client.get(f"/permits/{permit_id}").text


def test_a_pending_version_cannot_be_sent_again_yet(application, staff, owner):
    certificate = factories.issue(application, staff, pdf=False)
    with pytest.raises(IllegalTransition, match="still being prepared"):
        versions.resend(certificate, staff, [owner.email])


def test_a_certificate_revoked_before_its_pdf_gets_the_pdf_but_no_issue_email(
    application, staff, owner
):
    certificate = factories.issue(application, staff, pdf=False)
    versions.revoke(certificate, staff, "Issued on the wrong permit", confirmed=True)
    run_jobs()

    assert _version().pdf_ready  # kept for the record
    subjects = [m.subject for m in _mail_about(certificate.number)]
    assert subjects
    assert all("revoked" in subject for subject in subjects)


def test_a_correction_is_pending_too_and_its_email_follows_its_pdf(application, staff):
    certificate = factories.issue(application, staff)
    versions.regenerate(certificate, staff, factories.answers(occupancy_load=48), "Load")
    db.session.expire_all()
    second = db.session.scalars(
        select(CertificateVersion).where(CertificateVersion.version_number == 2)
    ).one()
    assert not second.pdf_ready
    assert verification.verify(f"{certificate.number}-V2").state == "valid"
    assert not any("version 2" in m.subject for m in _mail_about(certificate.number))

    run_jobs(utcnow() + timedelta(seconds=1))
    mail = [m for m in _mail_about(certificate.number) if "version 2" in m.subject]
    assert mail
    assert all("replaces version 1" in m.body_text for m in mail)
    assert db.session.scalar(select(func.count()).where(CertificateVersion.sha256.is_(None))) == 0
