"""One small world that every route can be requested in: two permits, each with parties,
an application, inspections, payments, a certificate and a pickup, plus the settings'
records; and the states some posts need the world put in before they act.

tests/support/routes.py says how to fill each route's URL from it, tests/support/post_forms.py
what to post; a new route adds what it acts on here (see tests/support/routes.py).

The certificate records are written directly, with a small stand-in PDF, so building the
world renders nothing; tests/certificates/ covers the real issuing.
"""

import io
from dataclasses import dataclass, fields
from datetime import date, time, timedelta
from time import monotonic

from flask import current_app
from sqlalchemy import inspect, select
from werkzeug.datastructures import FileStorage

from portal import calendar
from portal.applications.models import (
    ApplicationContact,
    ApplicationDocument,
    ApplicationStatus,
    CofOApplication,
)
from portal.auth import second_factor
from portal.auth.models import Role, User
from portal.certificates.models import (
    Certificate,
    CertificateKind,
    ClosedDay,
    OccupancyRequest,
    OccupancyRequestDocument,
    PickupAppointment,
    PickupSlot,
    PickupStatus,
    RequestKind,
)
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
    FeeSchedule,
    FeeScheduleEntry,
    FeeStatus,
    Payment,
    PaymentStatus,
)
from portal.permits.models import (
    DataExport,
    Invitation,
    PartyRole,
    Permit,
    PermitImport,
    PermitParty,
)
from portal.settings.models import Holiday
from tests.factories.accounts import enrol_second_factor, make_user
from tests.factories.applications import complete_application
from tests.factories.certificates import booked_pickup, free_day, issued_certificate
from tests.factories.inspections import on_day, preferred_days, required_by_code
from tests.factories.payments import make_payment
from tests.factories.permits import add_party, data_export, make_permit, permit_import
from tests.factories.settings import unused_day
from tests.support.files import PNG
from tests.support.saved_rows import SavedRows, database_is_empty, restore_rows, save_rows

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
    # Certificates: one issued on each permit, counter hours, a closed day, and a pickup
    # booked on each permit.
    certificate: Certificate | None = None
    other_certificate: Certificate | None = None
    pickup_slots: list[PickupSlot] | None = None
    closed_day: ClosedDay | None = None
    appointment: PickupAppointment | None = None
    other_appointment: PickupAppointment | None = None
    # A temporary certificate on world.permit, the owner's open request to extend it (with a
    # document) and their open request for an optional C of O.
    temporary_certificate: Certificate | None = None
    occupancy_request: OccupancyRequest | None = None
    request_document: OccupancyRequestDocument | None = None
    optional_request: OccupancyRequest | None = None
    # world.staff has an authenticator app (and these recovery codes); world.admin has not.
    staff_recovery_codes: list[str] | None = None
    # A permit file the admin uploaded, its import queued (its job not run).
    permit_import: PermitImport | None = None
    data_export: DataExport | None = None

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

    def visit_day_came(self) -> None:
        """The open request booked, and its visit's day come: its result can be recorded."""
        self.schedule_open_request()
        self.inspection_request.scheduled_date = calendar.local_today()
        db.session.commit()


def _application(permit: Permit, user: User, status: ApplicationStatus, number: str):
    application = complete_application(permit, user, status, confirmation_number=number)
    contact, _architect = application.contacts
    contact.name = user.name
    db.session.commit()
    return application, contact, application.documents[0]


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


def _ask(permit: Permit, user: User, code: str) -> InspectionRequest:
    first, second = (date.fromisoformat(day) for day in preferred_days(2))
    answers = {
        "required_inspection_id": required_by_code(permit, code).id,
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
    with on_day(inspection_request.visit_date):
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


# Per test process, the world each (status, today) was last built as: a later test whose
# database is empty gets the same rows restored instead of a new build (issue 17: building
# took most of the route-walking tests' time). The key holds today because the dates in the
# world (preferred days, pickups, holidays) follow it; a saved world older than
# REBUILD_AFTER_SECONDS is built again, so its times stay well inside the shortest windows
# they are compared with (a checkout's 30 minutes, an outbox claim's 15).
REBUILD_AFTER_SECONDS = 300
_saved: dict[tuple[ApplicationStatus, date], tuple[float, SavedRows, dict[str, object]]] = {}


def build_world(status: ApplicationStatus = ApplicationStatus.SUBMITTED) -> World:
    """The world, with its application in ``status``: built by the services the first time
    in this process (and again once that build is REBUILD_AFTER_SECONDS old), restored from
    that build's rows in between (tests/support/saved_rows.py). A database that already
    holds rows gets a new build on top of them."""
    if not database_is_empty():
        return _build_world(status)
    key = (status, calendar.local_today())
    if key in _saved and monotonic() - _saved[key][0] < REBUILD_AFTER_SECONDS:
        _at, rows, identities = _saved[key]
        restore_rows(rows)
        return _world_from(identities)
    world = _build_world(status)
    _saved[key] = (monotonic(), save_rows(), _identities(world))
    return world


def _identities(world: World) -> dict[str, object]:
    """Each field of the world: a record as its class and primary key (a list of records as
    a list of them), anything else as it is."""

    def identity(value):
        state = inspect(value, raiseerr=False)
        return (type(value), state.identity) if state is not None else None

    saved: dict[str, object] = {}
    for item in fields(world):
        value = getattr(world, item.name)
        if isinstance(value, list) and value and identity(value[0]):
            saved[item.name] = [identity(v) for v in value]
        else:
            saved[item.name] = identity(value) or ("value", value)
    return saved


def _world_from(identities: dict[str, object]) -> World:
    def load(saved):
        kind, key = saved
        return key if kind == "value" else db.session.get(kind, key)

    return World(
        **{
            name: [load(v) for v in saved] if isinstance(saved, list) else load(saved)
            for name, saved in identities.items()
        }
    )


def _build_world(status: ApplicationStatus) -> World:
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

    uploaded = permit_import(admin)
    exported = data_export(staff)

    world = World(
        owner=owner,
        agent=agent,
        contractor=contractor,
        stranger=stranger,
        staff=staff,
        admin=admin,
        newcomer=newcomer,
        permit_import=uploaded,
        data_export=exported,
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
        required=required_by_code(permit, "CARP-RGH"),
        inspection_request=inspection_request,
        fee=fee,
        inspected_request=inspected_request,
        photo=photo,
        other_inspected_request=other_inspected_request,
        other_photo=other_photo,
        payment=make_payment(permit, owner, PaymentStatus.SUCCEEDED),
        open_payment=make_payment(permit, owner, PaymentStatus.PENDING),
        other_payment=make_payment(other_permit, stranger, PaymentStatus.SUCCEEDED),
    )
    _add_certificates(world)
    _add_settings_records(world)
    enrol_second_factor(staff)
    world.staff_recovery_codes = second_factor.new_recovery_codes(staff)
    return world


# ---- the certificates' and the settings' part of the world ----------------------------------

HOLIDAY_NAME = "World holiday"
SCHEDULE_NAME = "World fees from next month"


def _add_certificates(world: World) -> None:
    world.certificate = issued_certificate(world.application, world.staff, 901)
    world.other_certificate = issued_certificate(world.other_application, world.staff, 902)
    world.pickup_slots = [
        PickupSlot(weekday=d, start=time(10), end=time(11), capacity=4) for d in range(7)
    ]
    db.session.add_all(world.pickup_slots)
    world.closed_day = ClosedDay(day=free_day(20), reason="Staff training")
    db.session.add(world.closed_day)
    db.session.flush()
    day = free_day(3)
    world.appointment = booked_pickup(world.certificate, world.pickup_slots, world.owner, day)
    world.other_appointment = booked_pickup(
        world.other_certificate, world.pickup_slots, world.stranger, day
    )
    _add_occupancy(world)
    db.session.commit()


def _add_occupancy(world: World) -> None:
    world.temporary_certificate = issued_certificate(
        world.application, world.staff, 903, kind=CertificateKind.TEMPORARY
    )
    db.session.flush()
    expires = world.temporary_certificate.versions[0].expires_on
    assert expires is not None
    world.occupancy_request = OccupancyRequest(
        permit_id=world.permit.id,
        kind=RequestKind.EXTENSION,
        certificate_id=world.temporary_certificate.id,
        extend_to=expires + timedelta(days=30),
        reason="The lift inspection is booked next month",
        requested_by_id=world.owner.id,
    )
    world.request_document = OccupancyRequestDocument(
        stored_file_id=world.document.stored_file_id,
        filename="lift-booking.pdf",
        uploaded_by_id=world.owner.id,
    )
    world.occupancy_request.documents.append(world.request_document)
    world.optional_request = OccupancyRequest(
        permit_id=world.permit.id,
        kind=RequestKind.OPTIONAL,
        reason="Our lender asks for one",
        requested_by_id=world.owner.id,
    )
    db.session.add_all([world.occupancy_request, world.optional_request])


def _add_settings_records(world: World) -> None:
    """An upcoming holiday and a fee schedule not yet in force, so their remove buttons have
    something to act on."""
    db.session.add(Holiday(day=unused_day(400), name=HOLIDAY_NAME))
    schedule = FeeSchedule(name=SCHEDULE_NAME, effective_from=unused_day(30))
    schedule.entries.append(
        FeeScheduleEntry(kind=FeeKind.REINSPECTION, amount_cents=17500, authority="14A-5-501.4")
    )
    db.session.add(schedule)
    db.session.commit()


# ---- states in which a certificate post acts (tests/test_post_views_validate_forms.py) -------


def _settle_fees(world: World) -> None:
    for fee in db.session.scalars(
        select(Fee).where(Fee.permit_id == world.permit.id, Fee.status == FeeStatus.OUTSTANDING)
    ):
        fee.status = FeeStatus.WAIVED


def _inspections_passed(world: World) -> None:
    for required in db.session.scalars(
        select(RequiredInspection).where(RequiredInspection.permit_id == world.permit.id)
    ):
        required.passed_at = utcnow()


def issuable(world: World) -> None:
    """The application accepted, every inspection passed, nothing owed, no certificate yet."""
    db.session.delete(world.appointment)
    db.session.delete(world.certificate)
    _inspections_passed(world)
    _settle_fees(world)
    world.application.status = ApplicationStatus.ACCEPTED
    db.session.commit()


def inspections_passed(world: World) -> None:
    _inspections_passed(world)
    world.application.status = ApplicationStatus.ACCEPTED
    db.session.commit()


def bookable(world: World) -> None:
    """Nothing owed and no pickup booked: the owner may book."""
    _settle_fees(world)
    world.appointment.status = PickupStatus.CANCELLED
    db.session.commit()


def no_open_requests(world: World) -> None:
    """The owner's requests decided, so a new one of each kind may be made."""
    for request in (world.occupancy_request, world.optional_request):
        db.session.delete(request)
    db.session.commit()


def work_not_begun(world: World) -> None:
    """No inspection result recorded on world.permit: an optional C of O may be approved."""
    for request in db.session.scalars(
        select(InspectionRequest).where(
            InspectionRequest.permit_id == world.permit.id,
            InspectionRequest.result.is_not(None),
        )
    ):
        request.result = None
    db.session.commit()


def before_work_without_requests(world: World) -> None:
    """No request open and no inspection result: the owner may ask for an optional C of O."""
    no_open_requests(world)
    work_not_begun(world)


def pickup_started(world: World) -> None:
    world.appointment.starts_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
