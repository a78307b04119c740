"""Fixtures for the application tests: a permit with its owner signed in, complete answers."""

import io
import re

import pytest

from portal.applications.models import (
    ApplicationContact,
    ApplicationDocument,
    ApplicationStatus,
    CertificateType,
    ContactRole,
    DocumentType,
)
from portal.auth.models import Role
from portal.documents.store import save_bytes
from portal.extensions import db
from portal.models import utcnow
from portal.permits.models import PartyRole
from tests.factories import add_party, make_application, make_permit, make_user, sign_in_as

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40

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


def upload(data: bytes, filename: str):
    return (io.BytesIO(data), filename)


def hidden_value(html: bytes | str, name: str) -> str:
    if isinstance(html, bytes):
        html = html.decode()
    match = re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


@pytest.fixture
def owner():
    return make_user(name="Olivia Owner", email="owner@example.com")


@pytest.fixture
def permit(owner):
    permit = make_permit()
    add_party(permit, owner, PartyRole.OWNER)
    return permit


@pytest.fixture
def owner_client(client, owner, permit):
    sign_in_as(client, owner)
    return client


@pytest.fixture
def reviewer():
    return make_user(name="Sam Staff", email="staff@example.com", role=Role.STAFF)


@pytest.fixture
def staff_client(app, reviewer):
    client = app.test_client()
    sign_in_as(client, reviewer)
    return client


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
