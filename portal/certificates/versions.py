"""A certificate's versions: each PDF is written once and kept; a correction makes a new
current version and supersedes the old one; revocation ends the current one.

Regeneration and revocation take turns under the certificate's row lock, so however many
staff act at once, versions are consecutive and at most one is current.
"""

from collections.abc import Mapping
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import calendar, events
from portal.applications.models import CofOApplication
from portal.certificates import rendering
from portal.certificates.answers import ANSWER_FIELDS, check_answers
from portal.certificates.errors import CONFIRM_REVOKE_MESSAGE, STALE_MESSAGE, InvalidCertificate
from portal.certificates.models import (
    KIND_OF_TYPE,
    VERSION_TRANSITIONS,
    Certificate,
    CertificateKind,
    CertificateVersion,
    OccupancyRequest,
    PickupAppointment,
    VersionStatus,
)
from portal.certificates.occupancy import accept_request
from portal.certificates.pickup import (
    calendar_cancellation,
    cancel_for_revocation,
    pickup_recipients,
    pickup_time,
)
from portal.certificates.reading import record_contacts
from portal.db_locks import begin_write
from portal.errors import IllegalTransition
from portal.extensions import db
from portal.models import utcnow
from portal.notifications.services import email_link, queue_email
from portal.template_helpers import long_date
from portal.workflow import stale_guard

# What the PDF printed about the permit and owner: a correction copies it from the version
# it replaces, so it stays as it was at issue.
PRINTED_RECORD = ("permit_num", "address", "owner_name", "owner_address")


def write_version(
    certificate: Certificate, number: int, fields: dict, actor, *, emails: dict, **extra
) -> CertificateVersion:
    """Write the version without its PDF, and queue the job that renders it after the
    commit (certificates/rendering.py); `emails` are the emails that carry the PDF, queued
    once it exists (rendering.emails_once_ready)."""
    version = CertificateVersion(
        version_number=number,
        status=VersionStatus.CURRENT,
        created_by_id=actor.id,
        official_name=current_app.config["PORTAL_BUILDING_OFFICIAL"],
        official_title=current_app.config["PORTAL_BUILDING_OFFICIAL_TITLE"],
        pending_emails=emails,
        **fields,
        **extra,
    )
    version.certificate = certificate
    db.session.add(version)
    db.session.flush()
    rendering.queue_render(version)
    return version


def chosen_recipients(everyone: list[str], chosen: list[str] | None) -> list[str]:
    """The addresses staff chose among everyone on the record (all of them unless they
    chose); none chosen, or one not on the record, is refused."""
    if chosen is None:
        return everyone
    known = {email.lower(): email for email in everyone}
    picked = [known[email.lower()] for email in chosen if email.lower() in known]
    if not picked or len(picked) != len(chosen):
        raise InvalidCertificate(_l("Choose who receives the certificate email"), "recipients")
    return picked


def version_answers(version: CertificateVersion) -> dict:
    """A version's fields, to fill the correction form."""
    return {name: getattr(version, name) for name in ANSWER_FIELDS}


def _lock_certificate(certificate_id: int) -> Certificate:
    """Lock the certificate row: regenerations and revocations take turns on it (on
    SQLite, which ignores FOR UPDATE, at begin_write's write lock)."""
    begin_write()
    return db.session.scalars(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .with_for_update(of=Certificate)
        .execution_options(populate_existing=True)
    ).one()


def _current_version(certificate_id: int) -> CertificateVersion | None:
    return db.session.scalar(
        select(CertificateVersion)
        .where(
            CertificateVersion.certificate_id == certificate_id,
            CertificateVersion.status == VersionStatus.CURRENT,
        )
        .execution_options(populate_existing=True)
    )


def _application(certificate: Certificate) -> CofOApplication:
    return db.session.get_one(CofOApplication, certificate.application_id)


# ---- correcting -----------------------------------------------------------------------------


@stale_guard(STALE_MESSAGE)
def regenerate(
    certificate: Certificate, actor, answers: Mapping, reason: str
) -> CertificateVersion:
    """A correction: a new version with its own PDF and hash; the previous one becomes
    "superseded" and is kept. Under the certificate's row lock, so two staff at once get
    consecutive versions and exactly one current."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidCertificate(_l("Enter what was corrected"), "reason")
    certificate = _lock_certificate(certificate.id)
    if certificate.is_revoked:
        raise IllegalTransition(_l("This certificate was revoked, so it cannot be corrected."))
    previous = _current_version(certificate.id)
    if previous is None:
        raise IllegalTransition()
    VERSION_TRANSITIONS.check(previous.status, VersionStatus.SUPERSEDED)
    fields = check_answers(answers, certificate.permit_id)
    if KIND_OF_TYPE[fields["certificate_type"]] != certificate.kind:
        raise InvalidCertificate(
            _l(
                "A correction keeps the certificate a %(kind)s certificate: issue a new "
                "certificate for another kind.",
                kind=certificate.kind.label,
            ),
            "certificate_type",
        )
    new = _supersede(certificate, previous, fields, actor, reason, rendering.CORRECTED)
    events.happened(
        "certificate.regenerated",
        certificate,
        actor=actor,
        on=certificate.permit,
        shown={
            "number": certificate.number,
            "version": new.version_number,
            "previous": previous.version_number,
        },
        version=new.version_number,
        superseded=previous.version_number,
        reason=reason,
    )
    db.session.commit()
    return new


def _supersede(
    certificate: Certificate,
    previous: CertificateVersion,
    fields: dict,
    actor,
    reason: str,
    template: str,
) -> CertificateVersion:
    """End the current version and write the next one, printing what the previous did;
    everyone on the record gets the new PDF by email (the `template`) once it exists."""
    VERSION_TRANSITIONS.move(previous, VersionStatus.SUPERSEDED)
    previous.ended_at = utcnow()
    # The database allows one current version per certificate, checked row by row: the old
    # one must stop being current before the new one is inserted.
    db.session.flush()
    certificate.last_version += 1
    return write_version(
        certificate,
        certificate.last_version,
        fields,
        actor,
        emails=rendering.emails_once_ready(template, record_contacts(_application(certificate))),
        **{name: getattr(previous, name) for name in PRINTED_RECORD},
        correction_reason=reason,
    )


# ---- extending a temporary certificate ------------------------------------------------------


@stale_guard(STALE_MESSAGE)
def extend(
    certificate: Certificate,
    actor,
    expires_on,
    reason: str,
    *,
    request: OccupancyRequest | None = None,
) -> CertificateVersion:
    """Staff extend a temporary certificate: a new version, with its own PDF, running to
    the new date (the previous version is superseded and kept); an extension request it
    answers is accepted."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidCertificate(_l("Enter why the certificate is extended"), "reason")
    certificate = _lock_certificate(certificate.id)
    previous = _current_version(certificate.id)
    if (
        certificate.kind != CertificateKind.TEMPORARY
        or previous is None
        or certificate.is_revoked
        or certificate.is_superseded
    ):
        raise IllegalTransition(_l("Only a temporary certificate in force can be extended."))
    if (
        not isinstance(expires_on, date)
        or expires_on < calendar.local_today()
        or (previous.expires_on is not None and expires_on <= previous.expires_on)
    ):
        raise InvalidCertificate(
            _l("Enter a new expiry date after %(date)s", date=long_date(previous.expires_on)),
            "expires_on",
        )
    fields = {**version_answers(previous), "expires_on": expires_on}
    new = _supersede(certificate, previous, fields, actor, reason, rendering.EXTENDED)
    events.happened(
        "certificate.extended",
        certificate,
        actor=actor,
        on=certificate.permit,
        shown={"number": certificate.number, "expires": expires_on},
        version=new.version_number,
        previous_expiry=previous.expires_on.isoformat() if previous.expires_on else "",
        expires_on=expires_on.isoformat(),
        reason=reason,
    )
    if request is not None:
        accept_request(request, certificate, actor)
    db.session.commit()
    return new


# ---- sending the certificate again ----------------------------------------------------------


def resend(certificate: Certificate, actor, recipients: list[str] | None) -> list[str]:
    """Email the current version again to the contacts staff choose; audited. Refused while
    its PDF is being prepared: the emails that go with it are queued once it is ready."""
    current = certificate.current_version
    if certificate.is_revoked or current is None:
        raise IllegalTransition(_l("Only a certificate in force can be sent again."))
    if not current.pdf_ready:
        raise IllegalTransition(
            _l(
                "The PDF of this version is still being prepared, and it is emailed as soon "
                "as it is ready. Send it again after that if someone needs another copy."
            )
        )
    to = chosen_recipients(record_contacts(_application(certificate)), recipients)
    permit = certificate.permit
    link = email_link("certificates.certificate", permit_id=permit.id)
    events.happened(
        "certificate.resent",
        certificate,
        actor=actor,
        on=permit,
        shown={"number": certificate.number, "recipients": ", ".join(to)},
        version=current.version_number,
        recipients=", ".join(to),
    )
    for email in to:
        queue_email(
            email,
            _l(
                "%(kind)s Certificate of Occupancy %(number)s for permit %(permit)s",
                kind=certificate.kind.label,
                number=certificate.number,
                permit=permit.permit_num,
            ),
            "certificates_issued",
            attachments=rendering.pdf_attachment(current),
            certificate=certificate,
            version=current,
            permit=permit,
            link=link,
        )
    db.session.commit()
    return to


# ---- revoking -------------------------------------------------------------------------------


@stale_guard(STALE_MESSAGE)
def revoke(certificate: Certificate, actor, reason: str, *, confirmed: bool) -> None:
    """Revoke with a reason, once staff confirm they mean to withdraw the certificate (it
    cannot be undone): verification says "revoked", the owner can no longer download it,
    and a booked pickup is cancelled, the emails saying so and withdrawing its calendar
    event."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidCertificate(_l("Enter the reason for revoking the certificate"), "reason")
    if not confirmed:
        raise InvalidCertificate(CONFIRM_REVOKE_MESSAGE, "confirm")
    certificate = _lock_certificate(certificate.id)
    current = _current_version(certificate.id)
    if certificate.is_revoked or current is None:
        raise IllegalTransition(_l("This certificate is already revoked."))
    now = utcnow()
    VERSION_TRANSITIONS.move(current, VersionStatus.REVOKED)
    current.ended_at = now
    certificate.revoked_at = now
    certificate.revoked_by_id = actor.id
    certificate.revoked_reason = reason
    events.happened(
        "certificate.revoked",
        certificate,
        actor=actor,
        on=certificate.permit,
        shown={"number": certificate.number, "reason": reason},
        reason=reason,
    )
    cancelled = cancel_for_revocation(certificate, actor)
    _email_revocation(certificate, reason, cancelled)
    db.session.commit()


def _email_revocation(
    certificate: Certificate, reason: str, cancelled: PickupAppointment | None
) -> None:
    """Everyone on the record hears of the revocation; when it cancelled a pickup, the
    people on the pickup (who may no longer be on the record) hear too, with the calendar
    event withdrawn."""
    recipients = record_contacts(_application(certificate))
    on_pickup: set[str] = set()
    calendar: list[dict] = []
    if cancelled is not None:
        calendar = calendar_cancellation(cancelled)
        known = {email.lower() for email in recipients}
        for email in pickup_recipients(cancelled):
            on_pickup.add(email.lower())
            if email.lower() not in known:
                recipients.append(email)
    for email in recipients:
        queue_email(
            email,
            _l("Certificate of Occupancy %(number)s revoked", number=certificate.number),
            "certificates_revoked",
            attachments=calendar if email.lower() in on_pickup else None,
            certificate=certificate,
            permit=certificate.permit,
            reason=reason,
            pickup_when=pickup_time(cancelled) if cancelled is not None else None,
        )
