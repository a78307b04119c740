"""Plausible form posts: for each POST route, fields a user allowed to use it would send,
enough that the view would act on them (tests/test_access_matrix.py and
tests/test_post_views_validate_forms.py). A new POST route adds its fields to POST_FORMS."""

import io
from collections.abc import Callable
from datetime import timedelta

from portal import calendar
from portal.certificates.reading import record_contacts
from portal.inspections import catalogue, requests
from portal.inspections.models import InspectionResult
from tests.factories.accounts import PASSWORD, next_totp_code, start_pending_sign_in
from tests.factories.certificates import choice, free_day
from tests.factories.inspections import preferred_days
from tests.factories.settings import unused_day
from tests.factories.world import World
from tests.support.files import PDF, real_png
from tests.support.jobs import FAILED_JOB_ID
from tests.support.permit_csv import csv_bytes, permit_row
from tests.support.routes import TOKENS, UnfillableRoute

NEW_PASSWORD = "another quite long passphrase"


def _at_second_step(w: World, client, code: str) -> dict:
    start_pending_sign_in(client, w.staff)
    return {"code": code}


def _csv() -> tuple:
    return (io.BytesIO(csv_bytes([permit_row()])), "permits.csv")


def _certificate_fields() -> dict:
    return {
        "certificate_type": "full",
        "portion_of_building": "Floors 1 to 4",
        "occupancy_load": "42",
        "occupancy_groups": ["R-2"],
        "construction_type": "VA",
        "granted_date": calendar.local_today().isoformat(),
        "description": "Six-unit residential building",
    }


def _opening(world: World, after_days: int) -> str:
    """A pickup opening the owner may book, this many days ahead (skipping holidays)."""
    return choice(free_day(after_days), world.pickup_slots)


# For each POST route, fields a permitted user would send: enough that the view would act
# on them. Built per request, since an upload is read once. The client adds csrf_token.
POST_FORMS: dict[str, Callable[[World, object], dict]] = {
    "admin.change_role": lambda w, c: {"role": "admin"},
    "admin.deactivate_user": lambda w, c: {},
    "admin.reactivate_user": lambda w, c: {},
    "admin.reset_second_factor": lambda w, c: {},
    "admin.retry_job": lambda w, c: {"job_id": FAILED_JOB_ID},
    # The sign-in steps act on the sign-in this browser started with world.staff's password.
    "auth.second_factor_step": lambda w, c: _at_second_step(w, c, next_totp_code(w.staff)),
    "auth.recovery_code": lambda w, c: _at_second_step(w, c, w.staff_recovery_codes[0]),
    "auth.new_recovery_codes": lambda w, c: {},
    "auth.keep_alive": lambda w, c: {"next": "/staff/"},
    "admin.new_user": lambda w, c: {
        "name": "Nova Staff",
        "email": "nova.staff@example.com",
        "role": "staff",
    },
    "applications.add_me": lambda w, c: {},
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
    "applications.decide": lambda w, c: {
        "decision": "accept",
        "version": str(w.application.version),
    },
    # The start form carries a prefix, so its CSRF field is "start-csrf_token".
    "applications.start_review": lambda w, c: {
        "start-csrf_token": c.csrf_token(),
        "start-version": str(w.application.version),
    },
    "applications.start": lambda w, c: {},
    "applications.submit": lambda w, c: {},
    "auth.change_password": lambda w, c: {
        "current_password": PASSWORD,
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    },
    "auth.forgot_password": lambda w, c: {"email": w.owner.email},
    "auth.language": lambda w, c: {"locale": "es", "next": "/account/profile"},
    "auth.profile": lambda w, c: {"name": "Renamed Person", "phone": "312-555-0199"},
    "auth.register": lambda w, c: {
        "name": "Brand New",
        "email": "brand.new@example.com",
        "phone": "312-555-0142",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    },
    "auth.renew_verification": lambda w, c: {"token": TOKENS["auth.verify_email"](w)},
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
        "blds_type_mapped": "Rough In",
        "agency_id": str(w.inspection_type.agency_id),
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
    "inspections.agency_result": lambda w, c: {
        "day": calendar.local_today().isoformat(),
        "result": InspectionResult.GRANTED_COMPLETE.value,
        "remarks": "Fire alarm and sprinklers accepted",
    },
    "settings.agency": lambda w, c: {
        "version": "1",
        "name": "Chicago Fire Department, Fire Prevention Bureau",
        "phone": "312-555-0100",
        "email": "fire.prevention@example.gov",
        "address": "",
        "schedules_directly": "y",
        "instructions": "Call the Bureau to book.",
    },
    "inspections.withdraw_result": lambda w, c: {
        "version": str(w.inspected_request.version),
        "reason": "Recorded on the wrong visit",
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
    "certificates.issue": lambda w, c: {
        **_certificate_fields(),
        "recipients": record_contacts(w.application),
        "version": str(w.application.version),
        "confirm_owner_involved": "y",
        "confirm_professionals": "y",
        "confirm_records_finaled": "y",
    },
    "certificates.inspections_complete": lambda w, c: {
        "complete-csrf_token": c.csrf_token(),
        "complete-version": str(w.application.version),
    },
    "certificates.not_applicable": lambda w, c: {
        "na-csrf_token": c.csrf_token(),
        "na-version": str(w.application.version),
        "na-reason": "A two-flat: no certificate needed",
    },
    "certificates.regenerate": lambda w, c: {
        **_certificate_fields(),
        "reason": "Occupancy load corrected",
    },
    "certificates.revoke": lambda w, c: {
        "revoke-csrf_token": c.csrf_token(),
        "revoke-reason": "Issued in error",
        "revoke-confirm": "y",
    },
    "certificates.book": lambda w, c: {"opening": _opening(w, 5)},
    "certificates.resend": lambda w, c: {
        "resend-csrf_token": c.csrf_token(),
        "resend-recipients": record_contacts(w.application)[:1],
    },
    "certificates.extend": lambda w, c: {
        "extend-csrf_token": c.csrf_token(),
        "extend-expires_on": (calendar.local_today() + timedelta(days=120)).isoformat(),
        "extend-reason": "Roof deck delayed by weather",
    },
    "certificates.request_occupancy": lambda w, c: {
        "kind": "partial",
        "portion": "Floors 1-3, units 101-312",
        "wanted_from": calendar.local_today().isoformat(),
        "reason": "Tenants move in on the first of the month",
    },
    "certificates.request_extension": lambda w, c: {
        "extend_to": (calendar.local_today() + timedelta(days=120)).isoformat(),
        "reason": "Roof deck delayed by weather",
    },
    "certificates.request_optional": lambda w, c: {"reason": "Our lender asks for one"},
    "certificates.refuse_request": lambda w, c: {
        "refuse-csrf_token": c.csrf_token(),
        "refuse-version": str(w.occupancy_request.version),
        "refuse-reason": "The roof deck is a safety matter: finish it first",
    },
    "certificates.approve_optional": lambda w, c: {
        "approve-csrf_token": c.csrf_token(),
        "approve-version": str(w.optional_request.version),
    },
    "certificates.extend_for_request": lambda w, c: {
        "extend-csrf_token": c.csrf_token(),
        "extend-expires_on": (calendar.local_today() + timedelta(days=120)).isoformat(),
        "extend-reason": "Roof deck delayed by weather",
    },
    "certificates.reschedule": lambda w, c: {
        "version": str(w.appointment.version),
        "opening": _opening(w, 6),
    },
    "certificates.cancel_pickup": lambda w, c: {"version": str(w.appointment.version)},
    "certificates.mark_picked_up": lambda w, c: {
        f"a{w.appointment.id}-csrf_token": c.csrf_token(),
        f"a{w.appointment.id}-version": str(w.appointment.version),
        f"a{w.appointment.id}-collected_by": "Olivia Owner",
        f"a{w.appointment.id}-identity_checked": "y",
    },
    "certificates.mark_no_show": lambda w, c: {"version": str(w.appointment.version)},
    "certificates.hours": lambda w, c: {
        "slot-csrf_token": c.csrf_token(),
        "slot-weekday": "2",
        "slot-start": "13:00",
        "slot-end": "14:00",
        "slot-capacity": "3",
    },
    "certificates.add_closed_day": lambda w, c: {
        "closed-csrf_token": c.csrf_token(),
        "closed-day": free_day(30).isoformat(),
        "closed-reason": "Inventory",
    },
    "certificates.remove_slot": lambda w, c: {},
    "certificates.remove_closed_day": lambda w, c: {},
    # No admin has saved the settings in the world, so the form shows the defaults' version.
    "settings.index": lambda w, c: {
        "version": "0",
        "inspection_lead_business_days": "3",
        "inspection_cutoff_business_days": "2",
        "inspector_daily_capacity": "6",
        "stale_inspection_days": "45",
        "block_requests_when_fees_unpaid": "y",
    },
    "settings.contact_details": lambda w, c: {
        "version": "0",
        "phone": "312-555-0100",
        "email": "help@buildings.example.gov",
        "counter_address": "121 N LaSalle St, Room 900",
        "opening_hours": "Monday to Friday, 9 to 4",
        "processing_times": "Ten business days for a complete application",
    },
    "settings.seal_page": lambda w, c: {
        "version": "0",
        "seal": (io.BytesIO(real_png()), "seal.png"),
    },
    # Once a seal is uploaded (tests/test_post_views_validate_forms.py), the row is version 1.
    "settings.seal_placeholder": lambda w, c: {"version": "1"},
    "settings.holidays": lambda w, c: {
        "day": unused_day(200).isoformat(),
        "name": "Department training day",
    },
    "settings.remove_holiday": lambda w, c: {},
    "settings.permit_types_page": lambda w, c: {
        "permit_type": "Wrecking",
        "blds_type": "Demolition",
        "description": "Wrecking permit",
    },
    "settings.fees": lambda w, c: {
        "name": "Fees from the autumn",
        "effective_from": unused_day(90).isoformat(),
        "amount_reinspection": "175.00",
        "authority_reinspection": "14A-5-501.4",
    },
    "settings.remove_schedule": lambda w, c: {},
    "permits.accept_invitation": lambda w, c: {},
    "permits.add_party": lambda w, c: {"email": w.newcomer.email, "role": "agent"},
    "permits.claim": lambda w, c: {
        "permit_number": w.unclaimed_permit.permit_num,
        "access_code": w.unclaimed_permit.access_code,
    },
    "permits.import_permits": lambda w, c: {"file": _csv()},
    "permits.export_permits": lambda w, c: {"status": "Issued"},
    "permits.export_inspections": lambda w, c: {"inspections_excel": "y"},
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
