"""Occupancy requests: the owner or agent asks for partial or temporary occupancy, for more
time on a temporary certificate, or for an optional C of O before work begins; staff accept
(issue, extend, approve) or refuse with a reason. The timeline and an email say which.

Accepting a partial or temporary request is issuing its certificate (issuing.issue with the
request); accepting an extension is a new version of the certificate (versions.extend); both
call `accept_request` inside their own transaction.
"""

from collections.abc import Iterable
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import calendar, events
from portal.applications.services import applicant_emails
from portal.certificates.errors import STALE_MESSAGE, InvalidCertificate
from portal.certificates.models import (
    REQUEST_TRANSITIONS,
    Certificate,
    CertificateKind,
    OccupancyRequest,
    OccupancyRequestDocument,
    RequestKind,
    RequestStatus,
)
from portal.certificates.phases import is_expired
from portal.documents.store import save_upload, upload_name
from portal.errors import DomainError
from portal.events import emails_to
from portal.extensions import db
from portal.inspections.models import InspectionRequest
from portal.models import utcnow
from portal.notifications.services import email_link
from portal.permits.models import Permit, PermitStatus
from portal.template_helpers import long_date
from portal.workflow import check_version, stale_guard

OPTIONAL_TOO_LATE = _l(
    "An optional C of O must be requested and approved before any construction work begins, "
    "and an inspection result is already recorded for this permit, so work has begun."
)
ALREADY_OPEN = _l("A request of this kind is already waiting for the department's decision.")


def inspection_recorded(permit_id: int) -> bool:
    """Whether an inspector has recorded any result for the permit: work has begun."""
    found = db.session.scalar(
        select(InspectionRequest.id)
        .where(InspectionRequest.permit_id == permit_id, InspectionRequest.result.is_not(None))
        .limit(1)
    )
    return found is not None


def _required(value: str, message, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidCertificate(message, field)
    return value


def _add(request: OccupancyRequest, actor, files: Iterable) -> OccupancyRequest:
    """Write the request and its documents; a second open request of the kind is refused."""
    for file_storage in files:
        if file_storage and file_storage.filename:
            stored = save_upload(file_storage)
            request.documents.append(
                OccupancyRequestDocument(
                    stored_file_id=stored.id,
                    filename=upload_name(file_storage, "document"),
                    uploaded_by_id=actor.id,
                )
            )
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError:
        raise DomainError(ALREADY_OPEN) from None
    return request


def request_occupancy(
    permit: Permit,
    actor,
    kind: RequestKind,
    *,
    portion: str,
    wanted_from: date | None,
    reason: str,
    files: Iterable = (),
) -> OccupancyRequest:
    """The owner or agent asks to occupy part of the building (partial) or the building or a
    part of it before everything is finished (temporary)."""
    if kind not in (RequestKind.PARTIAL, RequestKind.TEMPORARY):
        raise InvalidCertificate(_l("Choose partial or temporary occupancy"), "kind")
    if permit.status_current in (PermitStatus.FINALED, PermitStatus.EXPIRED, PermitStatus.REVOKED):
        raise DomainError(
            _l(
                "The permit is %(status)s, so occupancy cannot be requested on it.",
                status=permit.status_current.label,
            )
        )
    portion = _required(portion, _l("Enter which part of the building to occupy"), "portion")
    if not isinstance(wanted_from, date):
        raise InvalidCertificate(_l("Enter the date you want to occupy from"), "wanted_from")
    if wanted_from < calendar.local_today():
        raise InvalidCertificate(_l("The date must be today or later"), "wanted_from")
    reason = _required(reason, _l("Enter why you need to occupy it now"), "reason")
    request = _add(
        OccupancyRequest(
            permit_id=permit.id,
            kind=kind,
            portion=portion,
            wanted_from=wanted_from,
            reason=reason,
            requested_by_id=actor.id,
        ),
        actor,
        files,
    )
    _requested(request, actor, shown={"portion": portion, "date": wanted_from})
    return request


def request_extension(
    certificate: Certificate, actor, extend_to: date | None, reason: str
) -> OccupancyRequest:
    """The owner asks for more time on a temporary certificate in force (or lapsed, not yet
    replaced: the department may still extend it)."""
    current = certificate.current_version
    if (
        certificate.kind != CertificateKind.TEMPORARY
        or current is None
        or certificate.is_revoked
        or certificate.is_superseded
    ):
        raise DomainError(_l("Only a temporary certificate in force can be extended."))
    if not isinstance(extend_to, date):
        raise InvalidCertificate(_l("Enter the date you need it extended to"), "extend_to")
    if current.expires_on and extend_to <= current.expires_on:
        raise InvalidCertificate(
            _l("The new date must be after %(date)s", date=long_date(current.expires_on)),
            "extend_to",
        )
    reason = _required(reason, _l("Enter why you need more time"), "reason")
    request = _add(
        OccupancyRequest(
            permit_id=certificate.permit_id,
            kind=RequestKind.EXTENSION,
            certificate_id=certificate.id,
            extend_to=extend_to,
            reason=reason,
            requested_by_id=actor.id,
        ),
        actor,
        (),
    )
    _requested(
        request,
        actor,
        shown={"number": certificate.number, "date": extend_to},
        expired=is_expired(current),
    )
    return request


def request_optional(permit: Permit, actor, reason: str) -> OccupancyRequest:
    """A project that needs no C of O asks for one; Chicago wants the request made online
    and approved before any construction work begins."""
    if inspection_recorded(permit.id):
        raise DomainError(OPTIONAL_TOO_LATE)
    reason = _required(reason, _l("Enter why you want a certificate"), "reason")
    request = _add(
        OccupancyRequest(
            permit_id=permit.id,
            kind=RequestKind.OPTIONAL,
            reason=reason,
            requested_by_id=actor.id,
        ),
        actor,
        (),
    )
    _requested(request, actor, shown={})
    return request


def _requested(request: OccupancyRequest, actor, *, shown: dict, **details) -> None:
    db.session.flush()
    events.happened(
        "occupancy.requested",
        request,
        actor=actor,
        on=request.permit,
        timeline_event=f"occupancy.requested_{request.kind.value}",
        shown=shown,
        kind=request.kind.value,
        documents=len(request.documents),
        **details,
    )
    db.session.commit()


def accept_request(request: OccupancyRequest, certificate: Certificate | None, actor) -> None:
    """The request is granted (in the caller's transaction): what it asked for was issued,
    extended or approved; the owner and agents are told."""
    REQUEST_TRANSITIONS.move(request, RequestStatus.ACCEPTED)
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    if certificate is not None:
        request.certificate_id = certificate.id
    _decided(request, actor, "occupancy.accepted", number=certificate.number if certificate else "")


@stale_guard(STALE_MESSAGE)
def approve_optional(request: OccupancyRequest, actor, version) -> None:
    """Staff approve an optional C of O: the C of O process now applies to the permit. Still
    refused once an inspection result is recorded."""
    check_version(request, version, STALE_MESSAGE)
    if request.kind != RequestKind.OPTIONAL:
        raise DomainError(_l("Accept this request by issuing its certificate."))
    if inspection_recorded(request.permit_id):
        raise DomainError(OPTIONAL_TOO_LATE)
    accept_request(request, None, actor)
    db.session.commit()


@stale_guard(STALE_MESSAGE)
def refuse_request(request: OccupancyRequest, actor, version, reason: str) -> None:
    """Staff refuse with a reason (for an extension: the certificate is left to lapse)."""
    check_version(request, version, STALE_MESSAGE)
    reason = _required(reason, _l("Enter the reason for refusing the request"), "reason")
    REQUEST_TRANSITIONS.move(request, RequestStatus.REFUSED)
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    request.decision_reason = reason
    _decided(request, actor, "occupancy.refused", reason=reason)
    db.session.commit()


def _decided(request: OccupancyRequest, actor, action: str, **shown) -> None:
    permit = request.permit
    # Lazy: each recipient reads the subject and the kind in their own language, and the
    # timeline keeps the kind's English words (see portal.timeline).
    kind = request.kind.label
    subject = (
        _l(
            "Your request was accepted: %(kind)s, permit %(permit)s",
            kind=kind,
            permit=permit.permit_num,
        )
        if action == "occupancy.accepted"
        else _l(
            "Your request was refused: %(kind)s, permit %(permit)s",
            kind=kind,
            permit=permit.permit_num,
        )
    )
    link = email_link("certificates.certificate", permit_id=permit.id)
    events.happened(
        action,
        request,
        actor=actor,
        on=permit,
        shown={"kind": kind, **shown},
        emails=emails_to(
            applicant_emails(permit),
            subject,
            "certificates_request_decided",
            request=request,
            permit=permit,
            link=link,
            **shown,
        ),
        kind=request.kind.value,
        **shown,
    )
