"""Occupancy in phases and in time: when a temporary certificate stops being valid, and the
end of the partial and temporary certificates once the final certificate is issued.

Validity is worked out when it is read, from the department's calendar (the module, so
tests can set today): a temporary certificate is valid through the end of its expiry day in
the department's time zone, and no job has to run at midnight for verification to say so.
"""

from datetime import date, timedelta

from sqlalchemy import func, select

from portal import calendar, events
from portal.certificates.models import (
    VERSION_TRANSITIONS,
    Certificate,
    CertificateKind,
    CertificateVersion,
    VersionStatus,
)
from portal.extensions import db
from portal.models import utcnow
from portal.permits.models import Permit, PermitStatus

# How far ahead the dashboard and the first reminder look at expiring temporary certificates.
EXPIRY_WINDOW_DAYS = 30


def is_expired(version: CertificateVersion | None, today: date | None = None) -> bool:
    """Whether the version's expiry day has ended in the department's time zone."""
    if version is None or version.expires_on is None:
        return False
    return (today or calendar.local_today()) > version.expires_on


def supersede_for_final(final: Certificate, actor) -> list[Certificate]:
    """The final certificate is issued: every partial and temporary certificate of the
    permit still in force ends, each saying which certificate replaced it (in the caller's
    transaction)."""
    ended = db.session.scalars(
        select(Certificate)
        .where(
            Certificate.permit_id == final.permit_id,
            Certificate.id != final.id,
            Certificate.kind != CertificateKind.FINAL,
            Certificate.revoked_at.is_(None),
            Certificate.superseded_at.is_(None),
        )
        .order_by(Certificate.id)
    ).all()
    now = utcnow()
    for certificate in ended:
        current = certificate.current_version
        if current is not None:
            VERSION_TRANSITIONS.move(current, VersionStatus.SUPERSEDED)
            current.ended_at = now
        certificate.superseded_by_id = final.id
        certificate.superseded_at = now
        events.happened(
            "certificate.superseded",
            certificate,
            actor=actor,
            on=certificate.permit,
            shown={"number": certificate.number, "final": final.number},
            superseded_by=final.number,
        )
    return list(ended)


# Current versions of temporary certificates neither revoked nor superseded.
IN_FORCE = (
    Certificate.kind == CertificateKind.TEMPORARY,
    Certificate.revoked_at.is_(None),
    Certificate.superseded_at.is_(None),
    CertificateVersion.status == VersionStatus.CURRENT,
)


def expiring_between(first: date, last: date) -> list[tuple[CertificateVersion, Certificate]]:
    """Temporary certificates in force whose expiry day falls from ``first`` to ``last``."""
    rows = db.session.execute(
        select(CertificateVersion, Certificate)
        .join(Certificate, Certificate.id == CertificateVersion.certificate_id)
        .where(*IN_FORCE, CertificateVersion.expires_on.between(first, last))
        .order_by(CertificateVersion.expires_on, Certificate.id)
    ).all()
    return [(row[0], row[1]) for row in rows]


def expiry_counts(today: date | None = None) -> tuple[int, int]:
    """For the staff dashboard: temporary certificates expiring within 30 days, and those
    already expired whose permit is not finaled (someone may be living on an expired one)."""
    today = today or calendar.local_today()
    base = (
        select(func.count())
        .select_from(CertificateVersion)
        .join(Certificate, Certificate.id == CertificateVersion.certificate_id)
        .where(*IN_FORCE)
    )
    soon = db.session.scalar(
        base.where(
            CertificateVersion.expires_on.between(today, today + timedelta(days=EXPIRY_WINDOW_DAYS))
        )
    )
    lapsed = db.session.scalar(
        base.join(Permit, Permit.id == Certificate.permit_id).where(
            CertificateVersion.expires_on < today,
            Permit.status_current != PermitStatus.FINALED,
        )
    )
    return int(soon or 0), int(lapsed or 0)
