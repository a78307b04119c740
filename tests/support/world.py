"""One small world that every route can be requested in, and how to fill each route's URL.

Used by the access matrix and the form-validation test, which both walk app.url_map.
A route whose URL names a parameter missing from PARAMETERS (or a token route missing
from TOKENS) fails those tests: a new route must say how to reach it. For a new route:
create what it acts on in build_world, add a builder for each new URL parameter to
PARAMETERS (and, for a record under a permit, one naming world.other_permit's record to
FOREIGN_PARAMETERS), fields that would make it act to POST_FORMS if it takes POST; then
tests/test_access_matrix.py (PERMIT_RULES, for a permit route) and, for POST,
tests/test_post_views_validate_forms.py (CASES) say who may use it.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from portal import tokens
from portal.applications.models import (
    ApplicationContact,
    ApplicationDocument,
    ApplicationStatus,
    CertificateType,
    CofOApplication,
    ContactRole,
    DocumentType,
)
from portal.auth import services as auth_services
from portal.auth.models import Role, User
from portal.documents.store import save_bytes
from portal.extensions import db
from portal.models import utcnow
from portal.permits import services as permit_services
from portal.permits.models import Invitation, PartyRole, Permit, PermitParty
from tests.factories import PASSWORD, add_party, make_application, make_permit, make_user
from tests.permits.conftest import csv_bytes, permit_row

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"

# Who requests a route. The party actors are parties on world.permit; "stranger" is an
# applicant who owns world.other_permit and nothing else.
PARTY_ACTORS = ("owner", "agent", "contractor")
ACTORS = ("anonymous", "stranger", *PARTY_ACTORS, "staff", "admin")


@dataclass
class World:
    owner: User
    agent: User
    contractor: User
    stranger: User
    staff: User
    admin: User
    newcomer: User  # signed up, email not yet verified
    permit: Permit
    application: CofOApplication
    contact: ApplicationContact
    document: ApplicationDocument
    invitation: Invitation
    contractor_party: PermitParty
    other_permit: Permit
    other_application: CofOApplication
    other_contact: ApplicationContact
    other_document: ApplicationDocument
    other_invitation: Invitation
    other_party: PermitParty
    unclaimed_permit: Permit

    def user(self, actor: str) -> User | None:
        return None if actor == "anonymous" else getattr(self, actor)

    def set_status(self, status: ApplicationStatus) -> None:
        self.application.status = status
        db.session.commit()


def _application(permit: Permit, user: User, status: ApplicationStatus, number: str):
    application = make_application(
        permit,
        user,
        status=status,
        confirmation_number=number,
        submitted_at=utcnow(),
        occupancy_groups=["R-2"],
        portion_of_building="Entire building",
        occupancy_load=40,
        floor_area_sq_ft=7200,
        non_residential_sq_ft=0,
        dwelling_units=6,
        sleeping_units=0,
        stories=4,
        construction_type="VA",
        sprinklered=True,
        change_of_occupancy=False,
        certificate_type=CertificateType.FULL,
        attest_owner_involved=True,
        attest_professionals=True,
        attest_permits_finaled=True,
        attest_true=True,
    )
    contact = ApplicationContact(role=ContactRole.OWNER, name=user.name)
    architect = ApplicationContact(
        role=ContactRole.ARCHITECT, name="Ari Architect", license_number="001-234567"
    )
    stored = save_bytes(PDF, "application/pdf")
    document = ApplicationDocument(
        document_type=DocumentType.STAMPED_PLANS,
        stored_file_id=stored.id,
        filename="plans.pdf",
        uploaded_by_id=user.id,
    )
    application.contacts.extend([contact, architect])
    application.documents.append(document)
    db.session.commit()
    return application, contact, document


def _invitation(permit: Permit, owner: User, email: str) -> Invitation:
    invitation = Invitation(
        permit_id=permit.id,
        email=email,
        role=PartyRole.CONTRACTOR,
        trade="electrical",
        invited_by_id=owner.id,
    )
    db.session.add(invitation)
    db.session.commit()
    return invitation


def build_world(status: ApplicationStatus = ApplicationStatus.SUBMITTED) -> World:
    owner = make_user(name="Olivia Owner", email="owner@example.com")
    agent = make_user(name="Avery Agent", email="agent@example.com")
    contractor = make_user(name="Casey Contractor", email="contractor@example.com")
    stranger = make_user(name="Sol Stranger", email="stranger@example.com")
    staff = make_user(name="Sam Staff", email="staff@example.com", role=Role.STAFF)
    admin = make_user(name="Ada Admin", email="admin@example.com", role=Role.ADMIN)
    newcomer = make_user(name="Nia Newcomer", email="newcomer@example.com", verified=False)

    permit = make_permit()
    add_party(permit, owner, PartyRole.OWNER)
    add_party(permit, agent, PartyRole.AGENT)
    contractor_party = add_party(permit, contractor, PartyRole.CONTRACTOR, trade="electrical")
    application, contact, document = _application(permit, owner, status, "CO-2026-WORLD1")
    invitation = _invitation(permit, owner, "invitee@example.com")

    other_permit = make_permit()
    add_party(other_permit, stranger, PartyRole.OWNER)
    other_helper = make_user(name="Hal Helper", email="helper@example.com")
    other_party = add_party(other_permit, other_helper, PartyRole.CONTRACTOR)
    other_application, other_contact, other_document = _application(
        other_permit, stranger, status, "CO-2026-WORLD2"
    )
    other_invitation = _invitation(other_permit, stranger, "someone@example.com")

    return World(
        owner=owner,
        agent=agent,
        contractor=contractor,
        stranger=stranger,
        staff=staff,
        admin=admin,
        newcomer=newcomer,
        permit=permit,
        application=application,
        contact=contact,
        document=document,
        invitation=invitation,
        contractor_party=contractor_party,
        other_permit=other_permit,
        other_application=other_application,
        other_contact=other_contact,
        other_document=other_document,
        other_invitation=other_invitation,
        other_party=other_party,
        unclaimed_permit=make_permit(),
    )


# ---- URL parameters -------------------------------------------------------------------------

# Each URL parameter name, filled from the world. Ids name objects on world.permit.
PARAMETERS: dict[str, Callable[[World], object]] = {
    "permit_id": lambda w: w.permit.id,
    "application_id": lambda w: w.application.id,
    "contact_id": lambda w: w.contact.id,
    "document_id": lambda w: w.document.id,
    "invitation_id": lambda w: w.invitation.id,
    "party_id": lambda w: w.contractor_party.id,
    "action": lambda w: "accept",
}

# The same ids, naming the objects on world.other_permit: used through world.permit's URL
# they must be a 404, never another permit's record.
FOREIGN_PARAMETERS: dict[str, Callable[[World], object]] = {
    "contact_id": lambda w: w.other_contact.id,
    "document_id": lambda w: w.other_document.id,
    "invitation_id": lambda w: w.other_invitation.id,
    "party_id": lambda w: w.other_party.id,
}


def _verification_token(w: World) -> str:
    return tokens.make_token(
        auth_services.VERIFY_PURPOSE,
        {"uid": w.newcomer.id, "em": tokens.fingerprint(w.newcomer.email)},
    )


def _reset_token(w: World) -> str:
    return tokens.make_token(
        auth_services.RESET_PURPOSE,
        {"uid": w.owner.id, "fp": tokens.fingerprint(w.owner.password_hash)},
    )


def _invitation_token(w: World) -> str:
    return tokens.make_token(permit_services.INVITATION_PURPOSE, {"invitation": w.invitation.id})


# "token" means a different link on each route that takes one.
TOKENS: dict[str, Callable[[World], str]] = {
    "auth.verify_email": _verification_token,
    "auth.reset_password": _reset_token,
    "permits.invitation": _invitation_token,
    "permits.accept_invitation": _invitation_token,
}


class UnfillableRoute(AssertionError):
    """A route names a URL parameter the world does not know how to fill."""


def url_values(rule, world: World, overrides: dict | None = None) -> dict:
    values = {}
    for name in sorted(rule.arguments):
        if overrides and name in overrides:
            values[name] = overrides[name]
        elif name == "token":
            if rule.endpoint not in TOKENS:
                raise UnfillableRoute(
                    f"{rule.rule} ({rule.endpoint}) takes a token: add it to TOKENS"
                )
            values[name] = TOKENS[rule.endpoint](world)
        elif name in PARAMETERS:
            values[name] = PARAMETERS[name](world)
        else:
            raise UnfillableRoute(
                f"{rule.rule} ({rule.endpoint}) takes <{name}>: add a builder to PARAMETERS"
            )
    return values


def build_url(rule, world: World, overrides: dict | None = None) -> str:
    adapter = current_app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, url_values(rule, world, overrides))


def routes(app, method: str) -> list:
    """Every rule that answers the method, except static files, in a stable order."""
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static" and method in r.methods),
        key=lambda r: (r.rule, r.endpoint),
    )


# ---- what "nothing changed" means -----------------------------------------------------------


def snapshot() -> dict:
    """Every row of every table, and the files in the document store."""
    db.session.rollback()
    tables = {
        table.name: [
            tuple(row)
            for row in db.session.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in db.metadata.sorted_tables
    }
    store = Path(current_app.config["DOCUMENT_STORE_PATH"])
    tables["<document store>"] = (
        sorted(str(path.relative_to(store)) for path in store.rglob("*") if path.is_file())
        if store.exists()
        else []
    )
    return tables


def changes(before: dict, after: dict) -> dict:
    """Per table, the rows that appeared and the rows that disappeared."""
    diff = {}
    for name in before.keys() | after.keys():
        old, new = before.get(name, []), after.get(name, [])
        if old != new:
            diff[name] = {
                "added": [row for row in new if row not in old],
                "removed": [row for row in old if row not in new],
            }
    return diff


# ---- plausible form posts -------------------------------------------------------------------

NEW_PASSWORD = "another quite long passphrase"


def _csv() -> tuple:
    return (io.BytesIO(csv_bytes([permit_row()])), "permits.csv")


# For each POST route, fields a permitted user would send: enough that the view would act
# on them. Built per request, since an upload is read once. The client adds csrf_token.
POST_FORMS: dict[str, Callable[[World, object], dict]] = {
    "admin.new_user": lambda w, c: {
        "name": "Nova Staff",
        "email": "nova.staff@example.com",
        "role": "staff",
    },
    "applications.attestations": lambda w, c: {
        "attest_owner_involved": "y",
        "attest_professionals": "y",
        "attest_permits_finaled": "y",
        "attest_true": "y",
    },
    "applications.building": lambda w, c: {
        "occupancy_groups": ["R-2", "M"],
        "portion_of_building": "Floors 1 to 3",
        "occupancy_load": "90",
        "floor_area_sq_ft": "7200",
        "non_residential_sq_ft": "1500",
        "dwelling_units": "6",
        "sleeping_units": "0",
        "stories": "4",
        "construction_type": "VA",
        "sprinklered": "yes",
        "change_of_occupancy": "no",
        "certificate_type": "full",
    },
    "applications.contacts": lambda w, c: {
        "role": "general_contractor",
        "name": "Gil General",
        "license_number": "GC-555",
    },
    "applications.documents": lambda w, c: {
        "document_type": "floor_plan",
        "file": (io.BytesIO(PDF + b"% floor plan\n"), "floor.pdf"),
    },
    "applications.edit_contact": lambda w, c: {"role": "owner", "name": "Olivia O. Owner"},
    "applications.remove_contact": lambda w, c: {},
    "applications.remove_document": lambda w, c: {},
    # The review forms carry a prefix, so their CSRF field is "<action>-csrf_token".
    "applications.review_action": lambda w, c: {
        "accept-csrf_token": c.csrf_token(),
        "accept-version": str(w.application.version),
    },
    "applications.start": lambda w, c: {},
    "applications.submit": lambda w, c: {},
    "auth.change_password": lambda w, c: {
        "current_password": PASSWORD,
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    },
    "auth.forgot_password": lambda w, c: {"email": w.owner.email},
    "auth.profile": lambda w, c: {"name": "Renamed Person", "phone": "312-555-0199"},
    "auth.register": lambda w, c: {
        "name": "Brand New",
        "email": "brand.new@example.com",
        "phone": "312-555-0142",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    },
    "auth.renew_verification": lambda w, c: {"token": _verification_token(w)},
    "auth.resend_verification": lambda w, c: {},
    "auth.reset_password": lambda w, c: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    "auth.sign_in": lambda w, c: {"email": w.owner.email, "password": PASSWORD},
    "auth.sign_out": lambda w, c: {},
    "permits.accept_invitation": lambda w, c: {},
    "permits.add_party": lambda w, c: {"email": w.newcomer.email, "role": "agent"},
    "permits.claim": lambda w, c: {
        "permit_number": w.unclaimed_permit.permit_num,
        "access_code": w.unclaimed_permit.access_code,
    },
    "permits.import_permits": lambda w, c: {"file": _csv()},
    "permits.invite": lambda w, c: {
        "email": "new.contractor@example.com",
        "role": "contractor",
        "trade": "plumbing",
        "license_number": "PL-77",
    },
    "permits.remove_party": lambda w, c: {},
    "permits.revoke_invitation": lambda w, c: {},
}


def post_form(endpoint: str, world: World, client) -> dict:
    if endpoint not in POST_FORMS:
        raise UnfillableRoute(f"{endpoint} accepts POST: add its fields to POST_FORMS")
    return POST_FORMS[endpoint](world, client)
