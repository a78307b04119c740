"""A certificate version's PDF, rendered after the version's commit, by the
`certificates.render_pdf` job, the way receipts leave (payments/receipt_delivery.py).

Issuing, correcting and extending write the version without its PDF ("being prepared"): it
is issued from that commit on, and verification answers for it at once. The job renders
the PDF (WeasyPrint, a few hundred milliseconds) in the owner's language, stores it, and in
one commit sets the version's file and hash with a conditional UPDATE (only while both are
still empty) and queues the emails that carry the PDF. So a second run, or two at once,
changes nothing: exactly one sets the file and queues the emails. A render or store that
fails raises: the job is retried with backoff, then listed on the Background jobs page;
`certificates.sweep` (portal/tasks.py) queues the job again for every version still
without its PDF, so a job lost with Redis or a restarted process is redone.
"""

import logging
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import null, select, update
from sqlalchemy.exc import IntegrityError

from portal import audit, jobs, languages
from portal.certificates import pdf
from portal.certificates.models import Certificate, CertificateVersion
from portal.documents.store import save_bytes
from portal.errors import DomainError
from portal.extensions import db
from portal.notifications.services import email_link, queue_email
from portal.workflow import rows_changed

log = logging.getLogger(__name__)

TASK = "certificates.render_pdf"
PENDING = (CertificateVersion.stored_file_id.is_(None),)
# What the download's "being prepared" page asks the browser to wait before trying again.
RETRY_AFTER_SECONDS = 10

ISSUED, CORRECTED, EXTENDED = (
    "certificates_issued",
    "certificates_regenerated",
    "certificates_extended",
)


class PdfNotReady(DomainError):
    default_message = _l(
        "The certificate's PDF is being prepared. Try again in a minute: it is usually ready "
        "within seconds."
    )


def emails_once_ready(template: str, recipients: Sequence[str]) -> dict:
    """What a new version keeps until its PDF exists: the emails to queue with it."""
    return {"template": template, "to": list(recipients)}


def queue_render(version: CertificateVersion) -> None:
    """Render the version's PDF after the commit that writes it (nothing if it rolls back)."""
    jobs.after_commit(TASK, version.id)


def requeue(version: CertificateVersion) -> bool:
    """Queue the render again now, if the version's PDF is still missing (a job lost with a
    restarted process): queueing the same job while it is queued, running or failed does
    nothing. Returns whether a job was queued."""
    if version.pdf_ready:
        return False
    try:
        return jobs.enqueue(TASK, version.id)
    except Exception:  # noqa: BLE001 - the page still says "being prepared"; the sweep queues it
        log.exception("could not queue the PDF of certificate version %s", version.id)
        return False


def pending_ids(limit: int) -> list[int]:
    """Versions still without their PDF, oldest first."""
    return list(
        db.session.scalars(
            select(CertificateVersion.id)
            .where(*PENDING)
            .order_by(CertificateVersion.id)
            .limit(limit)
        )
    )


def _reload(version_id: int) -> CertificateVersion | None:
    return db.session.scalar(
        select(CertificateVersion)
        .where(CertificateVersion.id == version_id)
        .execution_options(populate_existing=True)
    )


def render_version_pdf(version_id: int) -> CertificateVersion | None:
    """Render, store and record the version's PDF, and queue its emails, once. Commits.

    Of two runs at once, the one whose conditional UPDATE fills the still-empty file
    queues the emails; the other rolls back. A render or store failure propagates (the
    queue retries it) and leaves the version pending."""
    version = _reload(version_id)
    if version is None or version.pdf_ready:
        return version
    certificate = version.certificate
    # pdf.py keeps the legal statement in English too.
    with languages.rendering_in(certificate.permit.owner_language):
        rendered = pdf.render(
            pdf.certificate_data(
                version, code=version.code, number=certificate.number, kind=certificate.kind
            )
        )
    try:
        stored = save_bytes(rendered.data, "application/pdf")
        taken = rows_changed(
            update(CertificateVersion)
            .where(CertificateVersion.id == version_id, *PENDING)
            # SQL NULL, not the JSON value null: nothing left to send.
            .values(stored_file_id=stored.id, sha256=stored.sha256, pending_emails=null())
            .execution_options(synchronize_session=False)
        )
    except IntegrityError:
        # Another run stored the same bytes first: its PDF stands.
        taken = 0
    except Exception:
        db.session.rollback()
        raise
    if taken != 1:
        db.session.rollback()
        return _reload(version_id)
    emails = version.pending_emails
    version = _reload(version_id)
    assert version is not None
    audit.record(
        "certificate.pdf_ready",
        certificate,
        version=version.version_number,
        sha256=stored.sha256,
        pages=rendered.pages,
    )
    # A certificate revoked before its PDF was ready: the revocation email said it all.
    if emails and not certificate.is_revoked:
        _queue_emails(certificate, version, emails["template"], emails["to"])
    db.session.commit()
    return version


def render_due(limit: int) -> tuple[int, int]:
    """Make the PDFs still missing, oldest first (`flask outbox send`, by hand); return
    (made, failed): a failure is logged and left for the next run."""
    made = failed = 0
    for version_id in pending_ids(limit):
        try:
            render_version_pdf(version_id)
        except Exception:  # noqa: BLE001 - one bad render must not stop the others
            log.exception("could not make the PDF of certificate version %s", version_id)
            db.session.rollback()
            failed += 1
        else:
            made += 1
    return made, failed


def _previous(certificate: Certificate, version: CertificateVersion) -> CertificateVersion | None:
    return next(
        (v for v in certificate.versions if v.version_number == version.version_number - 1),
        None,
    )


def _queue_emails(
    certificate: Certificate, version: CertificateVersion, template: str, recipients: list[str]
) -> None:
    """The version's emails, each with its PDF attached, as issuing or the correction chose."""
    permit = certificate.permit
    context: dict = {
        "certificate": certificate,
        "version": version,
        "permit": permit,
        "link": email_link("certificates.certificate", permit_id=permit.id),
    }
    if template == ISSUED:
        subject = _l(
            "%(kind)s Certificate of Occupancy %(number)s issued for permit %(permit)s",
            kind=certificate.kind.label,
            number=certificate.number,
            permit=permit.permit_num,
        )
    else:
        subject = _l(
            "Corrected Certificate of Occupancy %(number)s (version %(version)s)",
            number=certificate.number,
            version=version.version_number,
        )
        context.update(previous=_previous(certificate, version), reason=version.correction_reason)
    for email in recipients:
        queue_email(email, subject, template, attachments=pdf_attachment(version), **context)


def pdf_attachment(version: CertificateVersion) -> list[dict]:
    """The version's PDF as an email attachment (once it exists)."""
    if not version.pdf_ready:
        raise PdfNotReady()
    return [
        {
            "filename": version.filename,
            "content_type": "application/pdf",
            "sha256": version.sha256,
        }
    ]
