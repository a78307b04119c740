"""The permit's applications as the staff record shows them, read as columns (issue 17).

The record shows the newest application's answers with the answers macro
(`applications/_answers.html`, shared with the applicant's and the reviewer's pages, which
pass the model): `AnswersLine` carries the attributes the macro and the record read, so the
record loads no entities. Loading the applications with their contacts and documents as
entities was about 1.5 ms, a sixth of the record.
"""

from dataclasses import dataclass, field, fields
from datetime import datetime

from sqlalchemy import bindparam, select

from portal import reads
from portal.applications.models import (
    ApplicationContact,
    ApplicationDocument,
    ApplicationStatus,
    CertificateType,
    CofOApplication,
    ContactRole,
    DocumentType,
)
from portal.documents.models import StoredFile


@dataclass(frozen=True)
class ContactLine:
    role: ContactRole
    trade: str
    name: str
    company: str
    email: str
    phone: str
    address: str
    license_number: str


@dataclass(frozen=True)
class FileSize:
    """What the answers macro reads of a document's stored file."""

    size: int


@dataclass(frozen=True)
class DocumentLine:
    id: int
    document_type: DocumentType
    filename: str
    stored_file: FileSize


@dataclass(frozen=True)
class AnswersLine:
    """An application as the record lists it; the newest carries its contacts and current
    documents for the answers macro. The field names are the model's."""

    id: int
    status: ApplicationStatus
    confirmation_number: str | None
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    staff_message: str
    occupancy_groups: list[str]
    portion_of_building: str
    occupancy_load: int | None
    floor_area_sq_ft: int | None
    non_residential_sq_ft: int | None
    dwelling_units: int | None
    sleeping_units: int | None
    stories: int | None
    construction_type: str
    sprinklered: bool | None
    change_of_occupancy: bool | None
    previous_use: str
    certificate_type: CertificateType | None
    partial_portion: str
    temporary_reason: str
    attest_owner_involved: bool
    attest_professionals: bool
    attest_permits_finaled: bool
    attest_true: bool
    contacts: list[ContactLine] = field(default_factory=list)
    documents: list[DocumentLine] = field(default_factory=list)


_CHILDREN = ("contacts", "documents")
_COLUMNS = [f.name for f in fields(AnswersLine) if f.name not in _CHILDREN]
_CONTACT_COLUMNS = [f.name for f in fields(ContactLine)]
# A row per contact (or one for an application with none), newest application first.
_APPLICATIONS = (
    select(
        *(getattr(CofOApplication, name) for name in _COLUMNS),
        ApplicationContact.id.label("contact_id"),
        *(getattr(ApplicationContact, name).label(f"contact_{name}") for name in _CONTACT_COLUMNS),
    )
    .outerjoin(ApplicationContact, ApplicationContact.application_id == CofOApplication.id)
    .where(CofOApplication.permit_id == bindparam("permit_id"))
    .order_by(CofOApplication.id.desc(), ApplicationContact.id)
)
# The current set (the model's `documents`: none removed), as the applicant sees it.
_DOCUMENTS = (
    select(
        ApplicationDocument.id,
        ApplicationDocument.document_type,
        ApplicationDocument.filename,
        StoredFile.size,
    )
    .join(StoredFile, StoredFile.id == ApplicationDocument.stored_file_id)
    .where(
        ApplicationDocument.application_id == bindparam("application_id"),
        ApplicationDocument.removed_in.is_(None),
    )
    .order_by(ApplicationDocument.id)
)


def permit_applications(permit_id: int) -> list[AnswersLine]:
    """The permit's applications, newest first; only the newest's contacts and documents
    are read (the record shows the others' numbers and statuses)."""
    lines: dict[int, AnswersLine] = {}
    for row in reads.rows(_APPLICATIONS, {"permit_id": permit_id}):
        line = lines.get(row.id)
        if line is None:
            line = lines[row.id] = AnswersLine(*row[: len(_COLUMNS)])
        if row.contact_id is not None and len(lines) == 1:
            line.contacts.append(ContactLine(*row[len(_COLUMNS) + 1 :]))
    if not lines:
        return []
    newest = next(iter(lines.values()))
    documents = reads.rows(_DOCUMENTS, {"application_id": newest.id})
    newest.documents.extend(
        DocumentLine(row.id, row.document_type, row.filename, FileSize(row.size))
        for row in documents
    )
    return list(lines.values())
