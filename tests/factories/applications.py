"""C of O applications: written directly in any state, or built through the services the
pages use; and the building answers in both shapes, as posted and as the services take them."""

import io

from flask import current_app
from werkzeug.datastructures import FileStorage

from portal.applications import services
from portal.applications.models import (
    REVIEW_QUEUE_STATES,
    ApplicationContact,
    ApplicationDocument,
    ApplicationStatus,
    CertificateType,
    CofOApplication,
    ContactRole,
    DocumentType,
)
from portal.auth.models import User
from portal.documents.store import save_bytes
from portal.extensions import db
from portal.models import utcnow
from portal.permits.models import Permit
from tests.support.files import PDF, small_pdf

# The building section as the form posts it.
BUILDING_ANSWERS = {
    "occupancy_groups": ["R-2", "M"],
    "portion_of_building": "Entire building",
    "occupancy_load": "120",
    "floor_area_sq_ft": "7200",
    "non_residential_sq_ft": "1500",
    "dwelling_units": "6",
    "sleeping_units": "0",
    "stories": "4",
    "construction_type": "VA",
    "sprinklered": "yes",
    "change_of_occupancy": "no",
    "previous_use": "",
    "certificate_type": "full",
    "partial_portion": "",
    "temporary_reason": "",
}

# The building section as services.save_building takes it.
BUILDING = {
    "occupancy_groups": ["R-2"],
    "portion_of_building": "Entire building",
    "occupancy_load": 40,
    "floor_area_sq_ft": 7200,
    "non_residential_sq_ft": 0,
    "dwelling_units": 6,
    "sleeping_units": 0,
    "stories": 4,
    "construction_type": "VA",
    "sprinklered": True,
    "change_of_occupancy": False,
    "previous_use": "",
    "certificate_type": CertificateType.FULL,
    "partial_portion": "",
    "temporary_reason": "",
}


def make_application(
    permit: Permit, user: User, status: ApplicationStatus = ApplicationStatus.DRAFT, **fields
) -> CofOApplication:
    if status in REVIEW_QUEUE_STATES:
        fields.setdefault("submitted_at", utcnow())
        fields.setdefault("queued_at", fields["submitted_at"])
    if fields.get("submitted_at"):
        fields.setdefault("submission_count", 1)
    application = CofOApplication(
        permit_id=permit.id, created_by_id=user.id, status=status, **fields
    )
    db.session.add(application)
    db.session.commit()
    return application


def complete_application(permit, user, status=ApplicationStatus.DRAFT, **fields):
    """An application with every section complete, in the given state."""
    values = {
        "occupancy_groups": ["R-2"],
        "portion_of_building": "Entire building",
        "occupancy_load": 40,
        "floor_area_sq_ft": 7200,
        "non_residential_sq_ft": 0,
        "dwelling_units": 6,
        "sleeping_units": 0,
        "stories": 4,
        "construction_type": "VA",
        "sprinklered": True,
        "change_of_occupancy": False,
        "certificate_type": CertificateType.FULL,
        "attest_owner_involved": True,
        "attest_professionals": True,
        "attest_permits_finaled": True,
        "attest_true": True,
    }
    if status != ApplicationStatus.DRAFT:
        values["confirmation_number"] = fields.pop(
            "confirmation_number", f"CO-2026-T{permit.id:05d}"
        )
        values["submitted_at"] = fields.pop("submitted_at", utcnow())
    values.update(fields)
    application = make_application(permit, user, status=status, **values)
    application.contacts.extend(
        [
            ApplicationContact(role=ContactRole.OWNER, name="Olivia Owner"),
            ApplicationContact(
                role=ContactRole.ARCHITECT, name="Ari Architect", license_number="001-234567"
            ),
        ]
    )
    stored = save_bytes(PDF, "application/pdf")
    application.documents.append(
        ApplicationDocument(
            document_type=DocumentType.STAMPED_PLANS,
            stored_file_id=stored.id,
            filename="plans.pdf",
            uploaded_by_id=user.id,
        )
    )
    db.session.commit()
    return application


def _contact(role: ContactRole, name: str, license_number: str = "") -> dict:
    return {
        "role": role,
        "name": name,
        "company": "",
        "email": "",
        "phone": "",
        "address": "",
        "trade": "",
        "license_number": license_number,
    }


def build_application(
    permit: Permit, owner: User, *, complete: bool, submit: bool
) -> CofOApplication:
    """A draft built through the services (every section complete when asked), submitted
    when asked: the timeline, audit log and outbox hold what a real history would."""
    # Services link to pages in the emails they queue, which needs a request context.
    with current_app.test_request_context():
        draft = services.start(permit, owner)
        if complete:
            services.save_building(draft, BUILDING, owner)
            services.add_contact(draft, _contact(ContactRole.OWNER, owner.name), owner)
            services.add_contact(
                draft, _contact(ContactRole.ARCHITECT, "Ines Architect", "AR-001234"), owner
            )
            upload = FileStorage(io.BytesIO(small_pdf()), filename="stamped-plans.pdf")
            services.add_document(draft, upload, DocumentType.STAMPED_PLANS, owner)
            services.save_attestations(
                draft, dict.fromkeys(services.ATTESTATION_FIELDS, True), owner
            )
        if submit:
            services.submit(draft, owner)
    return draft
