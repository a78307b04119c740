"""Permits as the BLDS import would leave them, and the people who are parties on them."""

from portal.auth.models import User
from portal.documents.store import save_bytes
from portal.extensions import db
from portal.models import utcnow
from portal.permits import exports
from portal.permits.models import (
    DataExport,
    ExportStatus,
    PartyRole,
    Permit,
    PermitImport,
    PermitParty,
    PermitStatus,
)
from tests.factories.accounts import make_user
from tests.factories.numbers import next_number
from tests.support.permit_csv import csv_bytes, permit_row


def make_permit(**fields) -> Permit:
    n = next_number()
    values = {
        "permit_num": f"BP-2026-{n:06d}",
        "description": "New 6-unit residential building",
        "status_current": PermitStatus.ISSUED,
        "original_address1": f"{100 + n} N State St",
        "original_city": "Chicago",
        "original_state": "IL",
        "original_zip": "60602",
        "permit_type": "New Construction",
        "work_class": "New",
        "proposed_use": "Residential",
        "housing_units": 6,
        "total_sq_ft": 7200,
        "scope": ["new_construction", "electrical", "plumbing"],
        "access_code": f"CODE{n:04d}",
    }
    values.update(fields)
    permit = Permit(**values)
    db.session.add(permit)
    db.session.commit()
    return permit


def add_party(
    permit: Permit, user: User, role: PartyRole = PartyRole.OWNER, **fields
) -> PermitParty:
    party = PermitParty(permit_id=permit.id, user_id=user.id, role=role, **fields)
    db.session.add(party)
    db.session.commit()
    return party


def owner_with_permit(**permit_fields) -> tuple[User, Permit]:
    owner = make_user(name="Olivia Owner")
    permit = make_permit(**permit_fields)
    add_party(permit, owner)
    return owner, permit


def permit_import(actor: User, data: bytes | None = None, filename: str = "permits.csv"):
    """A permit file as the upload leaves it (stored, its import queued), without its job:
    a test runs `imports.run` or its own queued job. Added and flushed, not committed."""
    stored = save_bytes(data if data is not None else csv_bytes([permit_row()]), "text/csv")
    record = PermitImport(
        filename=filename,
        stored_file_id=stored.id,
        sha256=stored.sha256,
        size=stored.size,
        uploaded_by_id=actor.id,
    )
    db.session.add(record)
    db.session.flush()
    return record


def data_export(actor: User, kind: str = "permits", filters: dict | None = None):
    """An export as its job leaves it: done, its file (the kind's rows now) stored. Added
    and flushed, not committed."""
    filters = filters or {}
    lines = list(exports.KINDS[kind].rows(filters))
    stored = save_bytes("".join(lines).encode(), "text/csv")
    record = DataExport(
        kind=kind,
        filters=filters,
        requested_by_id=actor.id,
        filename=f"{kind}-2026-01-01.csv",
        status=ExportStatus.DONE,
        attempt=1,
        started_at=utcnow(),
        finished_at=utcnow(),
        rows=len(lines) - 1,
        size=stored.size,
        stored_file_id=stored.id,
    )
    db.session.add(record)
    db.session.flush()
    return record
