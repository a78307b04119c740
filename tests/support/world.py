"""One small world that every route can be requested in, and how to fill each route's URL.

Used by the access matrix and the form-validation test, which both walk app.url_map.
A route whose URL names a parameter missing from PARAMETERS (or a token route missing
from TOKENS) fails those tests: a new route must say how to reach it. For a new route:
create what it acts on in build_world, add a builder for each new URL parameter to
PARAMETERS (and, for a record under a permit, one naming world.other_permit's record to
FOREIGN_PARAMETERS; ENDPOINT_PARAMETERS when one route needs a different record of the
same kind), fields that would make it act to POST_FORMS if it takes POST; then
tests/test_access_matrix.py (PERMIT_RULES, for a permit route) and, for POST,
tests/test_post_views_validate_forms.py (CASES) say who may use it.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import calendar, tokens
from portal.applications.models import (
    ApplicationContact,
    ApplicationDocument,
    ApplicationStatus,
    CertificateType,
    CofOApplication,
    ContactRole,
    DocumentType,
)
from portal.auth import second_factor
from portal.auth import services as auth_services
from portal.auth.models import Role, User
from portal.certificates.models import Certificate, ClosedDay, PickupAppointment, PickupSlot
from portal.documents.store import save_bytes
from portal.extensions import db
from portal.inspections import catalogue, deadlines, requests, results, scheduling
from portal.inspections.models import (
    InspectionPhoto,
    InspectionRequest,
    InspectionResult,
    InspectionType,
    RequiredInspection,
    Window,
)
from portal.models import utcnow
from portal.payments.models import (
    Fee,
    FeeKind,
    FeeStatus,
    Payment,
    PaymentFee,
    PaymentMethod,
    PaymentStatus,
)
from portal.permits import services as permit_services
from portal.permits.models import Invitation, PartyRole, Permit, PermitParty
from tests.certificates import world as certificate_world
from tests.factories import (
    PASSWORD,
    add_party,
    enrol_second_factor,
    make_application,
    make_permit,
    make_user,
    next_totp_code,
    start_pending_sign_in,
)
from tests.permits.conftest import csv_bytes, permit_row
from tests.settings import world as settings_world

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40

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
    # Inspections on world.permit: a type with a fee, a required inspection nobody has
    # asked for yet, an open request (made by the agent, so the contractor is a party who
    # did not make it) that drew that fee, and a failed one with a photo.
    inspection_type: InspectionType
    required: RequiredInspection
    inspection_request: InspectionRequest
    fee: Fee
    inspected_request: InspectionRequest
    photo: InspectionPhoto
    other_inspected_request: InspectionRequest
    other_photo: InspectionPhoto
    # Test-mode payments: one paid with a receipt, one still open (holding its own fee),
    # and a paid one on world.other_permit.
    payment: Payment
    open_payment: Payment
    other_payment: Payment
    # Certificates (tests/certificates/world.py): one issued on each permit, counter hours,
    # a closed day, and a pickup booked on each permit.
    certificate: Certificate | None = None
    other_certificate: Certificate | None = None
    pickup_slots: list[PickupSlot] | None = None
    closed_day: ClosedDay | None = None
    appointment: PickupAppointment | None = None
    other_appointment: PickupAppointment | None = None
    # world.staff has an authenticator app (and these recovery codes); world.admin has not.
    staff_recovery_codes: list[str] | None = None

    def user(self, actor: str) -> User | None:
        return None if actor == "anonymous" else getattr(self, actor)

    def set_status(self, status: ApplicationStatus) -> None:
        self.application.status = status
        db.session.commit()

    def schedule_open_request(self) -> None:
        """Staff book the open request on the earliest day it could take place."""
        with _service_context():
            scheduling.schedule(
                self.inspection_request,
                self.staff,
                day=deadlines.earliest_inspection_day(),
                window=Window.MORNING,
                inspector_id=self.staff.id,
                version=self.inspection_request.version,
            )


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


def _service_context():
    # Services link to pages in the emails they queue, which needs a request context.
    return current_app.test_request_context(base_url=current_app.config["PORTAL_BASE_URL"])


def preferred_days(count: int, after: int = 0) -> list[str]:
    """Business days a request may name today, skipping the first ``after`` of them."""
    days = [deadlines.earliest_inspection_day()]
    while len(days) < count + after:
        days.append(calendar.add_business_days(days[-1], 1))
    return [day.isoformat() for day in days[after:]]


def _required(permit: Permit, code: str) -> RequiredInspection:
    return next(
        r for r in catalogue.required_inspections(permit.id) if r.inspection_type.code == code
    )


def _ask(permit: Permit, user: User, code: str) -> InspectionRequest:
    first, second = (date.fromisoformat(day) for day in preferred_days(2))
    answers = {
        "required_inspection_id": _required(permit, code).id,
        "preferred_date_1": first,
        "preferred_date_2": second,
        "preferred_date_3": None,
        "window": Window.MORNING.value,
        "contact_name": user.name,
        "contact_phone": "312-555-0123",
        "access_notes": "Side gate, code 4412",
        **dict.fromkeys(requests.DUTIES, True),
    }
    return requests.request_inspection(permit, user, answers)


def _failed_with_photo(permit: Permit, requester: User, staff: User, code: str):
    """A request staff scheduled and failed, with a deficiency and a photo."""
    inspection_request = _ask(permit, requester, code)
    scheduling.schedule(
        inspection_request,
        staff,
        day=deadlines.earliest_inspection_day(),
        window=Window.MORNING,
        inspector_id=staff.id,
        version=inspection_request.version,
    )
    results.record_result(
        inspection_request,
        staff,
        result=InspectionResult.FAILED,
        remarks="Cleanout missing at the base of the stack.",
        orders="Install the cleanout and request the inspection again.",
        deficiencies=[
            results.DeficiencyAnswer(
                code_section="18-29-708.3",
                description="No cleanout at the base of the soil stack",
                location="Basement",
                correct_by=None,
            )
        ],
        photos=[FileStorage(io.BytesIO(PNG), filename="stack.png")],
        version=inspection_request.version,
    )
    return inspection_request, inspection_request.photos[0]


def _payment(permit: Permit, payer: User, status: PaymentStatus) -> Payment:
    """A test-mode payment for a fee of its own: paid with a receipt, or open and holding it."""
    paid = status == PaymentStatus.SUCCEEDED
    fee = Fee(
        permit_id=permit.id,
        kind=FeeKind.INSPECTION,
        amount_cents=5000,
        reason="Boiler inspection",
        status=FeeStatus.PAID if paid else FeeStatus.OUTSTANDING,
    )
    db.session.add(fee)
    db.session.flush()
    payment = Payment(
        permit_id=permit.id,
        method=PaymentMethod.TEST,
        status=status,
        amount_cents=5000,
        created_by_id=payer.id,
        customer_email=payer.email,
        checkout_session_id=f"cs_test_world_{permit.id}_{status.value}",
        expires_at=utcnow() + timedelta(minutes=30),
    )
    payment.checkout_url = ""
    payment.lines = [
        PaymentFee(
            fee_id=fee.id,
            open_fee_id=None if paid else fee.id,
            amount_cents=5000,
            description="Inspection fee: Boiler",
        )
    ]
    if paid:
        payment.succeeded_at = utcnow()
        payment.payment_intent_id = f"pi_test_world_{permit.id}"
        payment.receipt_number = f"R-2026-W{permit.id:05d}"
        receipt = PDF + b"% receipt " + permit.permit_num.encode() + b"\n"
        payment.receipt_file_id = save_bytes(receipt, "application/pdf").id
    db.session.add(payment)
    db.session.commit()
    return payment


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

    catalogue.seed_types(admin)
    catalogue.derive_required({permit.id: permit.scope, other_permit.id: other_permit.scope})
    db.session.commit()
    inspection_type = next(t for t in catalogue.inspection_types() if t.code == "ELEC-RGH")
    catalogue.update_type(
        inspection_type,
        {
            "name": inspection_type.name,
            "bureau": inspection_type.bureau,
            "fee_cents": 12500,
            "blds_type_mapped": inspection_type.blds_type_mapped,
            "active": True,
        },
        admin,
    )
    with _service_context():
        inspected_request, photo = _failed_with_photo(permit, contractor, staff, "PLB-RGH")
        other_inspected_request, other_photo = _failed_with_photo(
            other_permit, other_helper, staff, "PLB-RGH"
        )
        inspection_request = _ask(permit, agent, "ELEC-RGH")
    [fee] = db.session.scalars(
        select(Fee).where(Fee.inspection_request_id == inspection_request.id)
    ).all()

    world = World(
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
        inspection_type=inspection_type,
        required=_required(permit, "CARP-RGH"),
        inspection_request=inspection_request,
        fee=fee,
        inspected_request=inspected_request,
        photo=photo,
        other_inspected_request=other_inspected_request,
        other_photo=other_photo,
        payment=_payment(permit, owner, PaymentStatus.SUCCEEDED),
        open_payment=_payment(permit, owner, PaymentStatus.PENDING),
        other_payment=_payment(other_permit, stranger, PaymentStatus.SUCCEEDED),
    )
    certificate_world.add_records(world)
    settings_world.add_records(world)
    enrol_second_factor(staff)
    world.staff_recovery_codes = second_factor.new_recovery_codes(staff)
    return world


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
    "request_id": lambda w: w.inspection_request.id,
    "photo_id": lambda w: w.photo.id,
    "type_id": lambda w: w.inspection_type.id,
    "required_id": lambda w: w.required.id,
    "fee_id": lambda w: w.fee.id,
    "payment_id": lambda w: w.payment.id,
    "user_id": lambda w: w.staff.id,
    **certificate_world.PARAMETERS,
    **settings_world.PARAMETERS,
}

# Routes whose parameter must name another record than PARAMETERS gives: a photo belongs
# to a request with a result, while the open request is the one that can still change.
ENDPOINT_PARAMETERS: dict[str, dict[str, Callable[[World], object]]] = {
    "inspections.photo": {"request_id": lambda w: w.inspected_request.id},
    # Only an open payment has a checkout to act on.
    "payments.test_checkout": {"payment_id": lambda w: w.open_payment.id},
}

# The same ids, naming the objects on world.other_permit: used through world.permit's URL
# they must be a 404, never another permit's record.
FOREIGN_PARAMETERS: dict[str, Callable[[World], object]] = {
    "contact_id": lambda w: w.other_contact.id,
    "document_id": lambda w: w.other_document.id,
    "invitation_id": lambda w: w.other_invitation.id,
    "party_id": lambda w: w.other_party.id,
    "request_id": lambda w: w.other_inspected_request.id,
    "photo_id": lambda w: w.other_photo.id,
    "payment_id": lambda w: w.other_payment.id,
    **certificate_world.FOREIGN_PARAMETERS,
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
    special = ENDPOINT_PARAMETERS.get(rule.endpoint, {})
    for name in sorted(rule.arguments):
        if overrides and name in overrides:
            values[name] = overrides[name]
        elif name in special:
            values[name] = special[name](world)
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


def _at_second_step(w: World, client, code: str) -> dict:
    start_pending_sign_in(client, w.staff)
    return {"code": code}


def _csv() -> tuple:
    return (io.BytesIO(csv_bytes([permit_row()])), "permits.csv")


# For each POST route, fields a permitted user would send: enough that the view would act
# on them. Built per request, since an upload is read once. The client adds csrf_token.
POST_FORMS: dict[str, Callable[[World, object], dict]] = {
    "admin.change_role": lambda w, c: {"role": "admin"},
    "admin.deactivate_user": lambda w, c: {},
    "admin.reactivate_user": lambda w, c: {},
    "admin.reset_second_factor": lambda w, c: {},
    # The sign-in steps act on the sign-in this browser started with world.staff's password.
    "auth.second_factor_step": lambda w, c: _at_second_step(w, c, next_totp_code(w.staff)),
    "auth.recovery_code": lambda w, c: _at_second_step(w, c, w.staff_recovery_codes[0]),
    "auth.new_recovery_codes": lambda w, c: {},
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
    "auth.sign_out_other_sessions": lambda w, c: {},
    "inspections.cancel": lambda w, c: {"version": str(w.inspection_request.version)},
    "inspections.edit_type": lambda w, c: {
        "name": "Rough electrical",
        "bureau": "Electrical",
        "fee_cents": "15000",
        "blds_type_mapped": "Electrical Rough",
        "active": "y",
    },
    # The staff's required-inspection and fee forms carry a prefix, so their CSRF field is
    # "<prefix>-csrf_token": add-, remove-<id>- and fee-<id>-.
    "inspections.remove_required": lambda w, c: {
        f"remove-{w.required.id}-csrf_token": c.csrf_token(),
        f"remove-{w.required.id}-reason": "No carpentry in this permit's scope",
    },
    "inspections.request_inspection": lambda w, c: {
        "required_inspection": str(w.required.id),
        **dict(zip(("preferred_date_1", "preferred_date_2"), preferred_days(2), strict=True)),
        "window": "afternoon",
        "contact_name": "Casey Contractor",
        "contact_phone": "312-555-0188",
        "access_notes": "Ring the site office",
        **dict.fromkeys(requests.DUTIES, "y"),
    },
    "inspections.required": lambda w, c: {
        "add-csrf_token": c.csrf_token(),
        "add-inspection_type": str(
            next(t.id for t in catalogue.inspection_types() if t.code == "BOIL-FIN")
        ),
        "add-reason": "A boiler was added to the work",
    },
    "inspections.reschedule": lambda w, c: {
        "version": str(w.inspection_request.version),
        **dict(
            zip(("preferred_date_1", "preferred_date_2"), preferred_days(2, after=2), strict=True)
        ),
        "window": "afternoon",
    },
    "inspections.result": lambda w, c: {
        "version": str(w.inspection_request.version),
        "result": InspectionResult.PASSED.value,
        "remarks": "Installed as approved.",
    },
    "inspections.schedule": lambda w, c: {
        "version": str(w.inspection_request.version),
        "day": preferred_days(1)[0],
        "window": "morning",
        "inspector": str(w.staff.id),
    },
    "payments.waive": lambda w, c: {
        f"fee-{w.fee.id}-csrf_token": c.csrf_token(),
        f"fee-{w.fee.id}-version": str(w.fee.version),
        f"fee-{w.fee.id}-reason": "Charged in error: the type's fee started after the request",
    },
    "payments.counter_payment": lambda w, c: {
        "fees": [str(w.fee.id)],
        "method": "check",
        "reference": "Check 2210",
    },
    "payments.pay": lambda w, c: {"fees": [str(w.fee.id)]},
    "payments.refund": lambda w, c: {
        "version": str(w.payment.version),
        "reason": "Paid twice",
    },
    "payments.test_checkout": lambda w, c: {"action": "pay"},
    **certificate_world.POST_FORMS,
    **settings_world.POST_FORMS,
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
