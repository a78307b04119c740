"""Records the browser tests start from, built through the same services the pages use,
so the timeline, audit log and outbox hold what a real history would."""

import io
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage

from portal.applications import services
from portal.applications.models import CertificateType, CofOApplication, ContactRole, DocumentType
from portal.auth.models import User
from portal.permits.models import Permit
from tests.factories import add_party, make_permit, make_user

# A one-page PDF with its cross-reference table: what a PDF writer produces, only smaller.
_PDF_OBJECTS = [
    b"<</Type/Catalog/Pages 2 0 R>>",
    b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
    b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>",
]


def small_pdf() -> bytes:
    body = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, content in enumerate(_PDF_OBJECTS, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref)
    return bytes(body)


def write_pdf(folder: Path, name: str = "stamped-plans.pdf") -> Path:
    path = folder / name
    path.write_bytes(small_pdf())
    return path


def owner_with_permit(**permit_fields) -> tuple[User, Permit]:
    owner = make_user(name="Olivia Owner")
    permit = make_permit(**permit_fields)
    add_party(permit, owner)
    return owner, permit


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


def application(permit: Permit, owner: User, *, complete: bool, submit: bool) -> CofOApplication:
    """A draft (every section complete when asked), submitted when asked."""
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
