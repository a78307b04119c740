"""Issuing a Certificate of Occupancy: the guards that must hold first, and the issue
itself, one transaction that happens entirely or not at all (number, version, application,
permit, timeline and audit log); the PDF and the emails that carry it follow from the
render job queued by that commit (certificates/rendering.py).

A partial or temporary certificate may be issued while other inspections are still open, once
the C of O inspections (building and fire) have passed; it leaves the application and the
permit where they are. The final certificate needs every required inspection, finals the
permit and supersedes the permit's partial and temporary certificates.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import calendar, events
from portal.applications import review
from portal.applications.models import (
    APPLICATION_TRANSITIONS,
    ISSUABLE_STATES,
    ApplicationStatus,
    CertificateType,
    CofOApplication,
    ContactRole,
)
from portal.certificates.answers import check_answers
from portal.certificates.errors import STALE_MESSAGE, InvalidCertificate
from portal.certificates.models import (
    KIND_OF_TYPE,
    Certificate,
    CertificateKind,
    OccupancyRequest,
)
from portal.certificates.numbering import format_number, take_number
from portal.certificates.occupancy import accept_request
from portal.certificates.phases import supersede_for_final
from portal.certificates.reading import final_certificate_for_application, record_contacts
from portal.certificates.rendering import ISSUED, emails_once_ready
from portal.certificates.versions import chosen_recipients, write_version
from portal.errors import DomainError
from portal.extensions import db
from portal.inspections import catalogue
from portal.inspections.models import InspectionStage
from portal.money import format_cents
from portal.payments import services as payments
from portal.permits import services as permits
from portal.workflow import check_version, stale_guard

S = ApplicationStatus
CONFIRMATIONS = ("confirm_owner_involved", "confirm_professionals", "confirm_records_finaled")


class GuardsFailed(DomainError):
    default_message = _l("The certificate cannot be issued yet: see what is missing below.")


def kind_of(answers: Mapping) -> CertificateKind:
    """The kind the issue form asks for (the final certificate when it names none)."""
    given = CertificateType._value2member_map_.get(answers.get("certificate_type") or "")
    return KIND_OF_TYPE.get(given, CertificateKind.FINAL)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Guard:
    label: str
    ok: bool
    detail: str = ""
    link_text: str = ""
    link_url: str = ""


def issue_guards(
    application: CofOApplication, kind: CertificateKind = CertificateKind.FINAL
) -> list[Guard]:
    """What must hold before a certificate of the kind is issued, each with what is missing
    and where to put it right.

    Long because it is the list itself: one entry per rule of the department, in the order
    the issue page shows them, each naming what is missing and the page that fixes it."""
    permit = application.permit
    final = kind == CertificateKind.FINAL
    # A partial or temporary certificate needs only the C of O inspections (building and
    # fire); others may still be open. A repeatable inspection with a visit still open does
    # not count as passed (catalogue.not_yet_passed).
    pending = [
        required
        for required in catalogue.not_yet_passed(permit.id)
        if final or required.inspection_type.stage == InspectionStage.COFO
    ]
    fees = payments.fee_summary(permit.id)
    existing = final_certificate_for_application(application.id)
    permit_url = url_for("permits.permit", permit_id=permit.id)
    return [
        Guard(
            str(_l("The application is accepted or its inspections are complete")),
            application.status in ISSUABLE_STATES,
            _("The application is %(status)s.", status=application.status.label),
            str(_l("Review the application")),
            url_for("applications.review", application_id=application.id),
        ),
        Guard(
            str(_l("Every required inspection has passed or been granted"))
            if final
            else str(_l("The C of O inspections (building and fire) have passed")),
            not pending,
            _(
                "Not passed yet: %(names)s.",
                names=", ".join(r.inspection_type.name for r in pending),
            )
            if pending
            else "",
            str(_l("See the inspections")),
            permit_url + "#inspections",
        ),
        Guard(
            str(_l("No fee is outstanding")),
            fees.outstanding_count == 0,
            _("%(amount)s is outstanding.", amount=format_cents(fees.outstanding_cents))
            if fees.outstanding_count
            else "",
            str(_l("See the fees")),
            url_for("payments.fees", permit_id=permit.id),
        ),
        Guard(
            str(_l("No final certificate has been issued for this application")),
            existing is None,
            _("Final certificate %(number)s was issued.", number=existing.number)
            if existing
            else "",
            str(_l("Open the certificate")) if existing else "",
            url_for("certificates.staff_certificate", certificate_id=existing.id)
            if existing
            else "",
        ),
    ]


# The timeline's words for each kind's issue.
TIMELINE_EVENTS = {
    CertificateKind.FINAL: "certificate.issued",
    CertificateKind.PARTIAL: "certificate.issued_partial",
    CertificateKind.TEMPORARY: "certificate.issued_temporary",
}


@stale_guard(STALE_MESSAGE)
def issue(
    application: CofOApplication,
    actor,
    version,
    answers: Mapping,
    *,
    request: OccupancyRequest | None = None,
    recipients: list[str] | None = None,
) -> Certificate:
    """Issue a certificate, all in one transaction: the year's next number, its first
    version, the timeline and the audit log; for the final certificate also the
    application to "C of O Issued", the permit to "Finaled" and the end of the permit's
    partial and temporary certificates; for an occupancy request, its acceptance. The PDF
    is rendered after the commit, and the emails with it go to the chosen recipients
    (everyone on the record unless staff chose) once it exists. Refused while a guard
    fails."""
    kind = kind_of(answers)
    fields = _checked_for_issue(application, version, answers, kind)
    to = chosen_recipients(record_contacts(application), recipients)
    certificate = _new_certificate(application, actor, kind)
    first = write_version(
        certificate,
        1,
        fields,
        actor,
        emails=emails_once_ready(ISSUED, to),
        **_printed_record(application),
    )
    if kind == CertificateKind.FINAL:
        review.certificate_issued(application, actor)
        permits.finalize(application.permit, actor)
    events.happened(
        "certificate.issued",
        certificate,
        actor=actor,
        on=application.permit,
        timeline_event=TIMELINE_EVENTS[kind],
        shown={
            "number": certificate.number,
            "portion": first.portion_of_building,
            "expires": first.expires_on,
        },
        number=certificate.number,
        kind=kind.value,
        recipients=", ".join(to),
        confirmations=", ".join(CONFIRMATIONS),
    )
    if kind == CertificateKind.FINAL:
        supersede_for_final(certificate, actor)
    if request is not None:
        accept_request(request, certificate, actor)
    db.session.commit()
    return certificate


def _checked_for_issue(
    application: CofOApplication, version, answers: Mapping, kind: CertificateKind
) -> dict:
    """The certificate's fields, once the page was current, every guard holds and staff
    confirmed each statement."""
    check_version(application, version, STALE_MESSAGE)
    if kind == CertificateKind.FINAL:
        APPLICATION_TRANSITIONS.check(application.status, S.COFO_ISSUED)
    if not all(guard.ok for guard in issue_guards(application, kind)):
        raise GuardsFailed()
    missing = [name for name in CONFIRMATIONS if not answers.get(name)]
    if missing:
        raise InvalidCertificate(_l("Confirm each of the three statements"), missing[0])
    return check_answers(answers, application.permit_id)


def _printed_record(application: CofOApplication) -> dict:
    """The permit and owner as the PDF prints them: the owner contact on the application,
    else the permit's owner."""
    permit = application.permit
    contact = next((c for c in application.contacts if c.role == ContactRole.OWNER), None)
    owner = permit.owner_party
    return {
        "permit_num": permit.permit_num,
        "address": permit.address,
        "owner_name": contact.name if contact else (owner.user.name if owner else ""),
        "owner_address": contact.address if contact else "",
    }


def _new_certificate(application: CofOApplication, actor, kind: CertificateKind) -> Certificate:
    year = calendar.local_today().year
    sequence = take_number(year)
    certificate = Certificate(
        number=format_number(year, sequence),
        year=year,
        sequence=sequence,
        permit_id=application.permit_id,
        application_id=application.id,
        kind=kind,
        issued_by_id=actor.id,
        last_version=1,
    )
    db.session.add(certificate)
    return certificate


@stale_guard(STALE_MESSAGE)
def mark_inspections_complete(application: CofOApplication, actor, version) -> None:
    """Staff record "Inspections Complete" themselves (the inspections feature does it on
    the last pass); every required inspection must have passed."""
    check_version(application, version, STALE_MESSAGE)
    APPLICATION_TRANSITIONS.check(application.status, S.INSPECTIONS_COMPLETE)
    guards = issue_guards(application)
    if not guards[1].ok:
        raise DomainError(guards[1].detail)
    review.inspections_complete(application, actor)
    db.session.commit()
