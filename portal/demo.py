"""`flask seed-demo`: demo accounts and permits in several states, for trying the portal.

Safe to run twice: accounts and permits are found by email and permit number, and a
permit that already has an application is left as it is. Refused in production.
"""

import io
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import audit, calendar, demo_occupancy
from portal.applications import review
from portal.applications import services as applications
from portal.applications.models import CertificateType, ContactRole, DocumentType
from portal.auth import second_factor
from portal.auth.models import Role, User
from portal.auth.passwords import hash_password
from portal.certificates import counter_hours, rendering
from portal.extensions import db
from portal.inspections import catalogue, deadlines, requests, results, scheduling
from portal.inspections.models import InspectionRequest, InspectionResult, Window
from portal.languages import LANGUAGES
from portal.models import utcnow
from portal.permits import exports, imports
from portal.permits import services as permits
from portal.permits.models import DataExport, PartyRole, Permit, PermitImport
from portal.settings import permit_types
from portal.settings import services as settings
from portal.settings.models import InspectingAgency

DEMO_PERMITS = Path(__file__).parent / "demo_data" / "permits.csv"
# Import permits lists these: one imported (it updates three permits), one rejected.
DEMO_IMPORTS = (
    DEMO_PERMITS.with_name("permits-weekly-update.csv"),
    DEMO_PERMITS.with_name("permits-with-errors.csv"),
)
# The contractor reads the portal in Spanish: his pages, emails and calendar files show the
# Spanish catalog at work next to the owner's English ones.
ACCOUNTS = (
    ("owner@example.com", "Olivia Owner", Role.APPLICANT, "en"),
    ("contractor@example.com", "Carlos Contractor", Role.APPLICANT, "es"),
    ("staff@example.com", "Sam Staff", Role.STAFF, "en"),
    ("admin@example.com", "Ada Admin", Role.ADMIN, "en"),
)
# Permit number -> how far its application goes (None: owned, no application yet).
STORIES = {
    "BP-2026-100001": "draft",
    "BP-2026-100002": "submitted",
    "BP-2026-100003": "information_requested",
    "BP-2026-100004": "accepted",
    # Resubmitted with the plans replaced: the reviewer sees both versions.
    "BP-2026-100010": "resubmitted",
}
UNCLAIMED = ("BP-2026-100005", "BP-2026-100006")
# The demo staff and admin accounts share this published TOTP secret, so a newcomer can
# sign in as staff without enrolling a phone first. seed-demo is refused in production,
# and every real staff account enrols its own secret at its first sign-in.
DEMO_TOTP_SECRET = "OCCUPANCYDEMO234OCCUPANCYDEMO234"  # noqa: S105 - published on purpose, demo only
# The smallest well-formed PDF: enough for the document store's content check.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class SeedRefused(click.ClickException):
    pass


def _account(email: str, name: str, role: Role, locale: str, password_hash: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            email=email,
            name=name,
            phone="312-555-0142",
            password_hash=password_hash,
            role=role,
            locale=locale,
            email_verified_at=utcnow(),
            password_changed_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
        audit.record("demo.account_created", user, actor=None, email=email)
    return user


def _building_answers(groups: list[str], units: int, non_residential: int) -> dict:
    return {
        "occupancy_groups": groups,
        "portion_of_building": "Entire building",
        "occupancy_load": 60,
        "floor_area_sq_ft": 7400,
        "non_residential_sq_ft": non_residential,
        "dwelling_units": units,
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


def _contact(role: ContactRole, name: str, license_number: str = "", trade: str = "") -> dict:
    return {
        "role": role,
        "name": name,
        "company": "",
        "email": "",
        "phone": "312-555-0190",
        "address": "",
        "trade": trade,
        "license_number": license_number,
    }


def _complete_and_submit(application, owner: User) -> None:
    applications.save_building(application, _building_answers(["R-2"], 6, 0), owner)
    applications.add_contact(application, _contact(ContactRole.OWNER, owner.name), owner)
    applications.add_contact(
        application, _contact(ContactRole.ARCHITECT, "Ines Architect", "AR-001234"), owner
    )
    upload = FileStorage(io.BytesIO(DEMO_PDF), filename="stamped-plans.pdf")
    applications.add_document(application, upload, DocumentType.STAMPED_PLANS, owner)
    applications.save_attestations(
        application, dict.fromkeys(applications.ATTESTATION_FIELDS, True), owner
    )
    applications.submit(application, owner)


def _tell_story(permit: Permit, story: str, owner: User, staff: User) -> None:
    if applications.latest_application(permit) is not None:
        return
    application = applications.start(permit, owner)
    if story == "draft":
        applications.save_building(application, _building_answers(["R-2"], 6, 0), owner)
        return
    _complete_and_submit(application, owner)
    if story == "information_requested":
        review.request_information(
            application,
            staff,
            application.version,
            "Please upload the fire alarm certificate for the daycare rooms.",
        )
    elif story == "resubmitted":
        review.request_information(
            application,
            staff,
            application.version,
            "The stamped plans do not show the kitchen exhaust; please upload revised plans.",
        )
        revised = FileStorage(io.BytesIO(DEMO_PDF), filename="stamped-plans-revised.pdf")
        applications.add_document(
            application,
            revised,
            DocumentType.STAMPED_PLANS,
            owner,
            replaces=application.documents[0],
        )
        applications.resubmit(application, owner, "Revised plans with the kitchen exhaust.")
    elif story == "accepted":
        review.accept(application, staff, application.version)


def _inspection_story(permit: Permit, code: str, result, requester: User, staff: User) -> None:
    """One inspection requested and scheduled, with a result when given (once per type)."""
    required = next(
        (r for r in catalogue.required_inspections(permit.id) if r.inspection_type.code == code),
        None,
    )
    if required is None or db.session.scalar(
        select(InspectionRequest.id).where(InspectionRequest.required_inspection_id == required.id)
    ):
        return
    day = deadlines.earliest_inspection_day()
    request = requests.request_inspection(
        permit,
        requester,
        {
            "required_inspection_id": required.id,
            "preferred_date_1": day,
            "window": Window.MORNING.value,
            "contact_name": requester.name,
            "contact_phone": requester.phone,
            "access_notes": "Enter from the alley; the site office is on the ground floor.",
            **dict.fromkeys(requests.DUTIES, True),
        },
    )
    scheduling.schedule(
        request,
        staff,
        day=day,
        window=Window.MORNING,
        inspector_id=staff.id,
        version=request.version,
    )
    if result is not None:
        # Demo history: the visit is dated the last business day, so its result (which
        # waits for the visit's day) can be recorded now.
        request.scheduled_date = calendar.add_business_days(calendar.local_today(), -1)
        results.record_result(
            request,
            staff,
            result=result,
            remarks="",
            orders="",
            deficiencies=[],
            photos=[],
            version=request.version,
        )


def _submitted_application(owner: User):
    """The permit's application, started and submitted by the owner if it has none."""

    def application_for(permit: Permit):
        application = applications.latest_application(permit)
        if application is None:
            application = applications.start(permit, owner)
            _complete_and_submit(application, owner)
        return application

    return application_for


def _bureau_contacts(admin: User) -> None:
    """The Fire Prevention Bureau books its own inspections: the demo shows its contacts
    (demo values: an administrator enters the real ones in the settings)."""
    bureau = db.session.scalar(select(InspectingAgency).where(InspectingAgency.code == "fpb"))
    if bureau is None or bureau.phone:
        return
    settings.save_agency(
        bureau,
        {
            "name": bureau.name,
            "phone": "312-555-0173",
            "email": "fire.prevention@example.gov",
            "address": "Fire Prevention Bureau, Chicago",
            "schedules_directly": True,
            "instructions": bureau.instructions,
        },
        admin,
        bureau.version,
    )


def seed() -> list[str]:
    """Create what is missing and return lines describing the demo.

    Long because it is the demo's story in order (accounts, permits, the application, the
    inspections, the agencies' contacts, the certificates in each phase), each step one call."""
    password_hash = hash_password(current_app.config["DEMO_PASSWORD"])
    users = {
        email: _account(email, name, role, locale, password_hash)
        for email, name, role, locale in ACCOUNTS
    }
    for user in users.values():
        if user.is_staff and not user.has_second_factor:
            user.totp_secret_encrypted = second_factor.encrypt_secret(DEMO_TOTP_SECRET)
            user.totp_enabled_at = utcnow()
    db.session.commit()
    owner, contractor = users["owner@example.com"], users["contractor@example.com"]
    admin, staff = users["admin@example.com"], users["staff@example.com"]

    # The catalogue first, so the import derives each permit's required inspections.
    catalogue.seed_types(admin)
    # The migration writes these rows; a database made with create_all has none yet.
    permit_types.seed_defaults()
    db.session.commit()
    _bureau_contacts(admin)
    with DEMO_PERMITS.open("rb") as source:
        report = permits.import_permits(source, actor=admin, filename=DEMO_PERMITS.name)
    if not report.ok:
        raise SeedRefused(f"the demo permit file has errors: {report.errors}")
    _imports(admin)

    by_number = {
        permit.permit_num: permit
        for permit in db.session.scalars(select(Permit).where(Permit.permit_num.like("BP-2026-1%")))
    }
    for number, story in {**STORIES, **dict.fromkeys(demo_occupancy.STORIES, "")}.items():
        permit = by_number[number]
        if permit.owner_party is None:
            permits.claim_permit(owner, number, permit.access_code)
        if (
            number in ("BP-2026-100001", "BP-2026-100002")
            and permits.existing_party(permit.id, contractor) is None
        ):
            permits.add_party_by_staff(
                permit,
                admin,
                email=contractor.email,
                role=PartyRole.CONTRACTOR,
                trade="Electrical",
                license_number="EC-55012",
            )
        if story:
            _tell_story(permit, story, owner, staff)
    demo_occupancy.tell(
        by_number, owner, staff, admin, _submitted_application(owner), _inspection_story
    )
    _inspection_story(
        by_number["BP-2026-100001"], "ELEC-RGH", InspectionResult.PASSED, contractor, staff
    )
    _inspection_story(by_number["BP-2026-100001"], "PLB-RGH", None, contractor, staff)
    _inspection_story(
        by_number["BP-2026-100002"], "VENT-RGH", InspectionResult.NO_ACCESS, contractor, staff
    )
    counter_hours.seed_counter(admin)
    # The certificates' PDFs now, rather than from a worker the demo may not have running.
    rendering.render_due(limit=100)
    _exports(staff)

    return demo_lines()


def _imports(admin: User) -> None:
    """Two files uploaded on Import permits, each run through its job at once (rather
    than by a worker the demo may not have running): one imported, one rejected."""
    if db.session.scalar(select(PermitImport.id).limit(1)) is not None:
        return
    for path in DEMO_IMPORTS:
        with path.open("rb") as source:
            record = imports.start(source, filename=path.name, actor=admin)
        imports.run(record.id)


def _exports(staff: User) -> None:
    """A permits export on Open data exports, written by its job at once: ready to
    download."""
    if db.session.scalar(select(DataExport.id).limit(1)) is not None:
        return
    filters = exports.permit_filters(None, None, None)
    record = exports.start(exports.PERMITS.key, filters, for_excel=False, actor=staff)
    exports.run(record.id)


def demo_lines() -> list[str]:
    """What a newcomer needs to try the demo: the accounts, the password, permits to claim."""
    permits_to_claim = db.session.scalars(
        select(Permit).where(Permit.permit_num.in_(UNCLAIMED)).order_by(Permit.permit_num)
    )
    codes = ", ".join(f"{p.permit_num} (access code {p.access_code})" for p in permits_to_claim)
    password = current_app.config["DEMO_PASSWORD"]
    return [
        f"Demo accounts (password: {password}):",
        *(
            f"  {email:<24} {role.label} ({LANGUAGES[locale]})"
            for email, _name, role, locale in ACCOUNTS
        ),
        f"Permits to claim as a new account: {codes}",
        "Without an account: /status?q=1456+Milwaukee finds BP-2026-100001 (a passed and a",
        "scheduled inspection); /help shows the contact details admins edit under Settings.",
        "BP-2026-100010 was resubmitted with its plans replaced: its staff review page lists",
        "what changed since the last submission, both versions downloadable.",
        "Import permits (admin) lists a file imported by its background job and one it",
        "rejected, with its errors by row and column.",
        *demo_occupancy.lines(),
        "Staff and admin accounts also ask for a code from an authenticator app. Add the",
        f"time-based setup key {DEMO_TOTP_SECRET} to one, or print the current code with:",
        f"  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{DEMO_TOTP_SECRET}').now())\"",
    ]


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed a database that has no accounts yet.")
def seed_demo_command(if_empty: bool) -> None:
    """Load demo accounts and permits (never in production)."""
    if current_app.config["PORTAL_ENV"] == "production":
        raise SeedRefused("seed-demo is refused when PORTAL_ENV=production")
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("The database already has accounts; demo data not loaded again.")
        for line in demo_lines():
            click.echo(line)
        return
    base_url = current_app.config["PORTAL_BASE_URL"]
    # Services build links for the emails they queue, which needs a request context.
    with current_app.test_request_context(base_url=base_url):
        for line in seed():
            click.echo(line)
