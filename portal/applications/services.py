"""The C of O application workflow: every change to an application goes through a function here.

Each function checks the transition (APPLICATION_TRANSITIONS) and its guards, changes the
record, writes the audit entry and the permit's timeline entry, queues the email, and
commits once. Staff decisions carry the version the reviewer saw, so the second of two
reviewers acting on the same application is refused instead of overwriting the first.
"""

import secrets
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import audit, events
from portal.applications.models import (
    APPLICATION_TRANSITIONS,
    CLOSED_STATES,
    REVIEW_QUEUE_STATES,
    ApplicationContact,
    ApplicationDocument,
    ApplicationStatus,
    CertificateType,
    CofOApplication,
    ContactRole,
)
from portal.applications.requirement import Result, requirement
from portal.documents import images
from portal.documents.store import save_upload, upload_name
from portal.errors import DomainError
from portal.extensions import db
from portal.models import utcnow
from portal.notifications.services import email_link
from portal.permits.models import PartyRole
from portal.workflow import LabelledStatus, stale_guard

S = ApplicationStatus

STALE_MESSAGE = _l(
    "This application changed since you opened it. Its current state is shown below: "
    "check it and try again if you still need to."
)
NOT_EDITABLE_MESSAGE = _l(
    "This application has been submitted, so it cannot be changed now. "
    "You can change it again if the department asks for more information."
)
# No 0/O or 1/I/L, so a number read out over the phone is not misheard.
CONFIRMATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CONFIRMATION_ATTEMPTS = 8


class SectionStatus(LabelledStatus):
    NOT_STARTED = "not_started", _l("Not started")
    IN_PROGRESS = "in_progress", _l("In progress")
    COMPLETED = "completed", _l("Completed")


SECTIONS = {
    "building": _l("Building and occupancy"),
    "contacts": _l("Contacts"),
    "documents": _l("Documents"),
    "attestations": _l("Attestations"),
}
BUILDING_FIELDS = (
    "occupancy_groups",
    "portion_of_building",
    "occupancy_load",
    "floor_area_sq_ft",
    "non_residential_sq_ft",
    "dwelling_units",
    "sleeping_units",
    "stories",
    "construction_type",
    "sprinklered",
    "change_of_occupancy",
    "previous_use",
    "certificate_type",
    "partial_portion",
    "temporary_reason",
)
ATTESTATION_FIELDS = (
    "attest_owner_involved",
    "attest_professionals",
    "attest_permits_finaled",
    "attest_true",
)
_BUILDING_NEEDED = {
    "occupancy_groups": _l("Select at least one occupancy group"),
    "portion_of_building": _l("Enter the portion of the building the certificate covers"),
    "occupancy_load": _l("Enter the proposed occupancy load"),
    "floor_area_sq_ft": _l("Enter the total floor area"),
    "non_residential_sq_ft": _l("Enter the non-residential floor area, or 0"),
    "dwelling_units": _l("Enter the number of dwelling units, or 0"),
    "sleeping_units": _l("Enter the number of sleeping units, or 0"),
    "stories": _l("Enter the number of stories"),
    "construction_type": _l("Select the construction type"),
    "sprinklered": _l("Select whether the building is fully sprinklered"),
    "change_of_occupancy": _l("Select whether this is a change of occupancy"),
    "certificate_type": _l("Select the certificate you are requesting"),
}
_ATTESTATION_NEEDED = {
    "attest_owner_involved": _l("Confirm the owner's involvement"),
    "attest_professionals": _l("Confirm the licensed professionals"),
    "attest_permits_finaled": _l("Confirm that all related permits are finaled"),
    "attest_true": _l("Confirm that the information is true"),
}


def _empty(value) -> bool:
    return value is None or value == "" or value == []


# ---- reading: the open application, section status, what is missing ----------------------


def open_application(permit) -> CofOApplication | None:
    """The permit's application that is not closed; there is at most one."""
    return db.session.scalar(
        select(CofOApplication)
        .where(
            CofOApplication.permit_id == permit.id,
            CofOApplication.status.not_in(CLOSED_STATES),
        )
        .options(
            selectinload(CofOApplication.contacts),
            selectinload(CofOApplication.documents),
        )
    )


def latest_application(permit) -> CofOApplication | None:
    """The open application, or else the most recent closed one (to show its outcome)."""
    return open_application(permit) or db.session.scalar(
        select(CofOApplication)
        .where(CofOApplication.permit_id == permit.id)
        .order_by(CofOApplication.id.desc())
        .limit(1)
    )


def building_answers(application) -> dict:
    return {name: getattr(application, name) for name in BUILDING_FIELDS}


def missing_building(answers: Mapping) -> dict[str, str]:
    """The building section's unanswered questions, by field name, with what to do."""
    missing = {
        name: str(message)
        for name, message in _BUILDING_NEEDED.items()
        if _empty(answers.get(name))
    }
    if answers.get("change_of_occupancy") and _empty(answers.get("previous_use")):
        missing["previous_use"] = str(_l("Enter the previous use"))
    certificate = answers.get("certificate_type")
    if certificate == CertificateType.PARTIAL and _empty(answers.get("partial_portion")):
        missing["partial_portion"] = str(_l("Enter the portion the partial certificate covers"))
    if certificate == CertificateType.TEMPORARY and _empty(answers.get("temporary_reason")):
        missing["temporary_reason"] = str(_l("Enter why a temporary certificate is needed"))
    return missing


def missing_contacts(contacts) -> list[str]:
    roles = {contact.role for contact in contacts}
    missing = []
    if ContactRole.OWNER not in roles:
        missing.append(str(_l("Add the owner")))
    if ContactRole.ARCHITECT not in roles:
        missing.append(str(_l("Add the architect or engineer of record")))
    return missing


def missing_documents(documents) -> list[str]:
    return [] if documents else [str(_l("Upload at least one document"))]


def missing_attestations(answers: Mapping) -> dict[str, str]:
    return {
        name: str(message) for name, message in _ATTESTATION_NEEDED.items() if not answers.get(name)
    }


def section_problems(application) -> dict[str, list[str]]:
    """Every section's unfinished items; a section with none is complete."""
    return {
        "building": list(missing_building(building_answers(application)).values()),
        "contacts": missing_contacts(application.contacts),
        "documents": missing_documents(application.documents),
        "attestations": list(
            missing_attestations({n: getattr(application, n) for n in ATTESTATION_FIELDS}).values()
        ),
    }


def section_statuses(application) -> dict[str, SectionStatus]:
    """Derived from the answers each time, so it can never disagree with them."""
    problems = section_problems(application)
    started = {
        "building": any(not _empty(v) for v in building_answers(application).values()),
        "contacts": bool(application.contacts),
        "documents": bool(application.documents),
        "attestations": any(getattr(application, n) for n in ATTESTATION_FIELDS),
    }
    statuses = {}
    for section in SECTIONS:
        if not problems[section]:
            statuses[section] = SectionStatus.COMPLETED
        elif started[section]:
            statuses[section] = SectionStatus.IN_PROGRESS
        else:
            statuses[section] = SectionStatus.NOT_STARTED
    return statuses


def requirement_for(application) -> Result:
    """The requirement rule's verdict on the application's answers."""
    return requirement(
        (application.dwelling_units or 0) + (application.sleeping_units or 0),
        application.non_residential_sq_ft or 0,
        bool(application.change_of_occupancy),
        application.occupancy_groups or [],
        application.occupancy_load or 0,
    )


def applicant_emails(permit) -> list[str]:
    """Everyone who may act on the application: the permit's owner and agents."""
    emails = []
    for party in permit.parties:
        if party.role in (PartyRole.OWNER, PartyRole.AGENT) and party.user.email not in emails:
            emails.append(party.user.email)
    return emails


# ---- helpers -------------------------------------------------------------------------------


def _commit() -> None:
    db.session.commit()


def _require_editable(application) -> None:
    if not application.is_editable:
        raise DomainError(NOT_EDITABLE_MESSAGE)


def _touch(application) -> None:
    # Changing a contact or document also writes the application row, so its version moves
    # and a submission or staff decision made meanwhile is detected as stale.
    application.updated_at = utcnow()


def new_confirmation_code() -> str:
    return "".join(secrets.choice(CONFIRMATION_ALPHABET) for _ in range(6))


def _assign_confirmation_number(application) -> None:
    """A unique number; a rare collision with another submission just draws again."""
    year = utcnow().year
    for _attempt in range(CONFIRMATION_ATTEMPTS):
        try:
            with db.session.begin_nested():
                application.confirmation_number = f"CO-{year}-{new_confirmation_code()}"
        except IntegrityError:
            continue
        return
    raise DomainError(_l("We could not submit the application just now. Please try again."))


# ---- the applicant's side ------------------------------------------------------------------


@stale_guard(STALE_MESSAGE)
def start(permit, user) -> CofOApplication:
    """Open a draft application; a permit has at most one open application."""
    if open_application(permit) is not None:
        raise DomainError(_l("This permit already has an application."))
    application = CofOApplication(permit_id=permit.id, created_by_id=user.id)
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(_l("This permit already has an application.")) from None
    events.happened(
        "application.started", application, actor=user, on=permit, permit=permit.permit_num
    )
    _commit()
    return application


@stale_guard(STALE_MESSAGE)
def save_building(application, answers: Mapping, user) -> None:
    """Save the building and occupancy answers as a draft (complete or not)."""
    _require_editable(application)
    for name in BUILDING_FIELDS:
        setattr(application, name, answers[name])
    # Answers that no longer apply are dropped, so the record never says two things.
    if not application.change_of_occupancy:
        application.previous_use = ""
    if application.certificate_type != CertificateType.PARTIAL:
        application.partial_portion = ""
    if application.certificate_type != CertificateType.TEMPORARY:
        application.temporary_reason = ""
    audit.record("application.section_saved", application, actor=user, section="building")
    _commit()


@stale_guard(STALE_MESSAGE)
def add_contact(application, answers: Mapping, user) -> ApplicationContact:
    _require_editable(application)
    contact = ApplicationContact(**answers)
    application.contacts.append(contact)
    _touch(application)
    db.session.flush()
    audit.record(
        "application.contact_added",
        application,
        actor=user,
        contact_id=contact.id,
        role=contact.role,
    )
    _commit()
    return contact


def own_contact(application, user) -> dict | None:
    """The signed-in owner's or agent's own details as a contact, for "Add me as a contact";
    None once a contact in that role has their email address."""
    party_roles = {p.role for p in application.permit.parties if p.user_id == user.id}
    role = ContactRole.OWNER if PartyRole.OWNER in party_roles else ContactRole.APPLICANT
    email = user.email.casefold()
    if any(c.role == role and (c.email or "").casefold() == email for c in application.contacts):
        return None
    return {
        "role": role,
        "name": user.name,
        "company": "",
        "email": user.email,
        "phone": user.phone or "",
        "address": "",
        "trade": "",
        "license_number": "",
    }


@stale_guard(STALE_MESSAGE)
def update_contact(application, contact, answers: Mapping, user) -> None:
    _require_editable(application)
    for name, value in answers.items():
        setattr(contact, name, value)
    _touch(application)
    audit.record("application.contact_updated", application, actor=user, contact_id=contact.id)
    _commit()


@stale_guard(STALE_MESSAGE)
def remove_contact(application, contact, user) -> None:
    _require_editable(application)
    audit.record(
        "application.contact_removed",
        application,
        actor=user,
        contact_id=contact.id,
        name=contact.name,
    )
    application.contacts.remove(contact)
    _touch(application)
    _commit()


def _next_submission(application) -> int:
    return application.submission_count + 1


def _drop(application, document) -> None:
    """A version a submission carried is kept, marked as dropped by the next submission; one
    uploaded since the last submission was never seen by the department and is deleted."""
    if document.added_in <= application.submission_count:
        document.removed_in = _next_submission(application)
        db.session.flush()
        db.session.expire(application, ["documents"])
    else:
        application.documents.remove(document)


@stale_guard(STALE_MESSAGE)
def add_document(
    application, file_storage, document_type, user, replaces=None
) -> ApplicationDocument:
    """Store an upload checked by size and content (RejectedUpload says what was wrong). With
    `replaces`, the new file is a new version of that current document."""
    _require_editable(application)
    if replaces is not None and replaces not in application.documents:
        raise DomainError(_l("The document to replace is no longer on the application."))
    file_storage = images.accepted_form(file_storage)
    stored = save_upload(file_storage)
    document = ApplicationDocument(
        document_type=document_type,
        stored_file_id=stored.id,
        filename=upload_name(file_storage, "document"),
        uploaded_by_id=user.id,
        added_in=_next_submission(application),
    )
    if replaces is not None:
        # Replacing a never-submitted upload continues the version it replaced, if any.
        submitted = replaces.added_in <= application.submission_count
        document.replaces_id = replaces.id if submitted else replaces.replaces_id
    application.documents.append(document)
    _touch(application)
    db.session.flush()
    if replaces is not None:
        events.happened(
            "application.document_replaced",
            application,
            actor=user,
            on=application.permit,
            timeline_event="document.replaced",
            shown={"filename": document.filename, "previous": replaces.filename},
            document_id=document.id,
            replaced_document_id=replaces.id,
            sha256=stored.sha256,
        )
        _drop(application, replaces)
    else:
        events.happened(
            "application.document_uploaded",
            application,
            actor=user,
            on=application.permit,
            timeline_event="document.uploaded",
            shown={"filename": document.filename},
            document_id=document.id,
            sha256=stored.sha256,
        )
    _commit()
    return document


@stale_guard(STALE_MESSAGE)
def remove_document(application, document, user) -> None:
    _require_editable(application)
    events.happened(
        "application.document_removed",
        application,
        actor=user,
        on=application.permit,
        timeline_event="document.removed",
        shown={"filename": document.filename},
        document_id=document.id,
        kept=document.added_in <= application.submission_count,
    )
    _drop(application, document)
    _touch(application)
    _commit()


@stale_guard(STALE_MESSAGE)
def save_attestations(application, answers: Mapping, user) -> None:
    _require_editable(application)
    for name in ATTESTATION_FIELDS:
        setattr(application, name, bool(answers[name]))
    if all(answers[name] for name in ATTESTATION_FIELDS):
        application.attested_by_id = user.id
        application.attested_at = utcnow()
    else:
        application.attested_by_id = None
        application.attested_at = None
    audit.record("application.section_saved", application, actor=user, section="attestations")
    _commit()


def keep_queue_in_step(application) -> None:
    """The staff queue reads queued_at: set while the status is a queue state, else cleared."""
    in_queue = application.status in REVIEW_QUEUE_STATES
    application.queued_at = application.submitted_at if in_queue else None


def _check_complete(application) -> None:
    problems = [item for items in section_problems(application).values() for item in items]
    if problems:
        raise DomainError(_l("Complete every section before you submit."))


def _email_to_applicant(application, user, subject: str, template: str) -> events.Email:
    """The message the person who submitted gets, linking back to the application."""
    return events.Email(
        user.email,
        subject,
        template,
        {
            "application": application,
            "permit": application.permit,
            "user": user,
            "link": email_link("applications.overview", permit_id=application.permit_id),
        },
    )


@stale_guard(STALE_MESSAGE)
def submit(application, user) -> None:
    """Draft -> submitted: every section complete; a unique confirmation number; read-only."""
    APPLICATION_TRANSITIONS.check(application.status, S.SUBMITTED)
    _check_complete(application)
    _assign_confirmation_number(application)
    APPLICATION_TRANSITIONS.move(application, S.SUBMITTED)
    application.submitted_at = utcnow()
    application.submission_count = 1
    keep_queue_in_step(application)
    events.happened(
        "application.submitted",
        application,
        actor=user,
        on=application.permit,
        shown={"confirmation": application.confirmation_number},
        emails=[
            _email_to_applicant(
                application,
                user,
                _l(
                    "Application %(number)s received: permit %(permit)s",
                    number=application.confirmation_number,
                    permit=application.permit.permit_num,
                ),
                "application_submitted",
            )
        ],
        confirmation=application.confirmation_number,
    )
    _commit()


@stale_guard(STALE_MESSAGE)
def resubmit(application, user, reply: str = "") -> None:
    """Information requested -> resubmitted: complete again; read-only until staff act. The
    applicant's reply to the request goes with it (the reviewer reads it beside the request,
    the timeline shows it)."""
    APPLICATION_TRANSITIONS.check(application.status, S.RESUBMITTED)
    _check_complete(application)
    APPLICATION_TRANSITIONS.move(application, S.RESUBMITTED)
    application.resubmitted_at = utcnow()
    application.submission_count += 1
    application.applicant_reply = (reply or "").strip()
    keep_queue_in_step(application)
    events.happened(
        "application.resubmitted",
        application,
        actor=user,
        on=application.permit,
        timeline_event="application.resubmitted_with_reply"
        if application.applicant_reply
        else None,
        shown={"reply": application.applicant_reply} if application.applicant_reply else None,
        emails=[
            _email_to_applicant(
                application,
                user,
                _l(
                    "Application %(number)s resubmitted: permit %(permit)s",
                    number=application.confirmation_number,
                    permit=application.permit.permit_num,
                ),
                "application_resubmitted",
            )
        ],
        confirmation=application.confirmation_number,
    )
    _commit()
