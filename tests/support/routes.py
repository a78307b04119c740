"""How to request every route of the app in the shared world (tests/factories/world.py):
a value for each URL parameter and token, the URL built from them, and the routes to walk.

Used by the access matrix and the form-validation test, which both walk app.url_map. A
route whose URL names a parameter missing from PARAMETERS (or a token route missing from
TOKENS) fails those tests: a new route must say how to reach it. For a new route: create
what it acts on in build_world, add a builder for each new URL parameter to PARAMETERS
(and, for a record under a permit, one naming world.other_permit's record to
FOREIGN_PARAMETERS; ENDPOINT_PARAMETERS when one route needs a different record of the
same kind), and fields that would make it act to POST_FORMS (tests/support/post_forms.py)
if it takes POST; then tests/test_access_matrix.py (PERMIT_RULES, for a permit route)
and, for POST, tests/test_post_views_validate_forms.py (CASES) say who may use it.
"""

from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

from portal import tokens
from portal.auth import services as auth_services
from portal.extensions import db
from portal.inspections.models import InspectionType, RequiredInspection
from portal.payments.models import FeeSchedule
from portal.permits import invitations
from portal.settings.models import Holiday, InspectingAgency
from tests.factories.world import HOLIDAY_NAME, SCHEDULE_NAME, World


def _holiday_id(world: World) -> int:
    return db.session.scalar(select(Holiday.id).where(Holiday.name == HOLIDAY_NAME))


def _fire_bureau_required(world: World) -> int:
    return db.session.scalar(
        select(RequiredInspection.id)
        .join(RequiredInspection.inspection_type)
        .where(RequiredInspection.permit_id == world.permit.id, InspectionType.code == "COFO-FPB")
    )


def _schedule_id(world: World) -> int:
    return db.session.scalar(select(FeeSchedule.id).where(FeeSchedule.name == SCHEDULE_NAME))


# Each URL parameter name, filled from the world. Ids name objects on world.permit.
PARAMETERS: dict[str, Callable[[World], object]] = {
    "permit_id": lambda w: w.permit.id,
    "application_id": lambda w: w.application.id,
    "contact_id": lambda w: w.contact.id,
    "document_id": lambda w: w.document.id,
    "invitation_id": lambda w: w.invitation.id,
    "party_id": lambda w: w.contractor_party.id,
    "request_id": lambda w: w.inspection_request.id,
    "photo_id": lambda w: w.photo.id,
    "type_id": lambda w: w.inspection_type.id,
    "required_id": lambda w: w.required.id,
    "fee_id": lambda w: w.fee.id,
    "payment_id": lambda w: w.payment.id,
    "user_id": lambda w: w.staff.id,
    "certificate_id": lambda w: w.certificate.id,
    "version_id": lambda w: w.certificate.versions[0].id,
    "appointment_id": lambda w: w.appointment.id,
    "slot_id": lambda w: w.pickup_slots[0].id,
    "closed_day_id": lambda w: w.closed_day.id,
    "number": lambda w: w.certificate.number,
    "permit_number": lambda w: w.permit.permit_num,
    "occupancy_request_id": lambda w: w.occupancy_request.id,
    "request_document_id": lambda w: w.request_document.id,
    "holiday_id": _holiday_id,
    "agency_id": lambda w: db.session.scalar(select(InspectingAgency.id).limit(1)),
    "schedule_id": _schedule_id,
    "import_id": lambda w: w.permit_import.id,
    "export_id": lambda w: w.data_export.id,
}

# Routes whose parameter must name another record than PARAMETERS gives: a photo belongs
# to a request with a result, while the open request is the one that can still change.
ENDPOINT_PARAMETERS: dict[str, dict[str, Callable[[World], object]]] = {
    "inspections.photo": {"request_id": lambda w: w.inspected_request.id},
    # Only an inspection another agency books itself has an agency result to record.
    "inspections.agency_result": {"required_id": _fire_bureau_required},
    # A visit that was booked has a calendar file.
    "inspections.calendar_file": {"request_id": lambda w: w.inspected_request.id},
    # Only a recorded result can be withdrawn.
    "inspections.withdraw_result": {"request_id": lambda w: w.inspected_request.id},
    # Only an open payment has a checkout to act on.
    "payments.test_checkout": {"payment_id": lambda w: w.open_payment.id},
    # Only a temporary certificate can be extended; only an optional request approved.
    "certificates.extend": {"certificate_id": lambda w: w.temporary_certificate.id},
    "certificates.request_extension": {"certificate_id": lambda w: w.temporary_certificate.id},
    "certificates.approve_optional": {"occupancy_request_id": lambda w: w.optional_request.id},
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
    "appointment_id": lambda w: w.other_appointment.id,
    "certificate_id": lambda w: w.other_certificate.id,
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
    return tokens.make_token(invitations.INVITATION_PURPOSE, {"invitation": w.invitation.id})


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
