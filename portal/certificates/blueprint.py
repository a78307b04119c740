"""The certificates blueprint: every URL of the feature, in one place.

Staff issue, correct and revoke certificates; owners and agents download them and book a
pickup; the public verifies them; staff run the counter and admins set its hours. The views
live in views_*.py, each with its access rule; this file only maps URLs to them.
"""

from flask import Blueprint

from portal.certificates import (
    views_counter,
    views_occupancy,
    views_owner,
    views_public,
    views_staff,
)

bp = Blueprint("certificates", __name__)
GET, POST, BOTH = ["GET"], ["POST"], ["GET", "POST"]

# ---- staff: the queues, issuing, one certificate
bp.add_url_rule("/staff/certificates", "staff_list", views_staff.staff_list, methods=GET)
bp.add_url_rule("/staff/certificates/issued", "issued_list", views_staff.issued_list, methods=GET)
bp.add_url_rule(
    "/staff/applications/<int:application_id>/certificate",
    "issue",
    views_staff.issue,
    methods=BOTH,
)
bp.add_url_rule(
    "/staff/applications/<int:application_id>/certificate/inspections-complete",
    "inspections_complete",
    views_staff.inspections_complete,
    methods=POST,
)
bp.add_url_rule(
    "/staff/applications/<int:application_id>/certificate/not-applicable",
    "not_applicable",
    views_staff.not_applicable,
    methods=POST,
)
bp.add_url_rule(
    "/staff/certificates/<int:certificate_id>",
    "staff_certificate",
    views_staff.staff_certificate,
    methods=GET,
)
bp.add_url_rule(
    "/staff/certificates/<int:certificate_id>/regenerate",
    "regenerate",
    views_staff.regenerate,
    methods=POST,
)
bp.add_url_rule(
    "/staff/certificates/<int:certificate_id>/revoke", "revoke", views_staff.revoke, methods=POST
)
bp.add_url_rule(
    "/staff/certificates/<int:certificate_id>/extend", "extend", views_staff.extend, methods=POST
)
bp.add_url_rule(
    "/staff/certificates/<int:certificate_id>/resend", "resend", views_staff.resend, methods=POST
)
bp.add_url_rule(
    "/staff/certificates/<int:certificate_id>/versions/<int:version_id>/pdf",
    "staff_download",
    views_staff.staff_download,
    methods=GET,
)

# ---- the owner and agents
bp.add_url_rule(
    "/permits/<int:permit_id>/certificate", "certificate", views_owner.certificate, methods=GET
)
bp.add_url_rule(
    "/permits/<int:permit_id>/certificate/pdf", "download", views_owner.download, methods=GET
)
bp.add_url_rule(
    "/permits/<int:permit_id>/certificate/pickup", "book", views_owner.book, methods=BOTH
)
bp.add_url_rule(
    "/permits/<int:permit_id>/certificate/pickup/<int:appointment_id>/reschedule",
    "reschedule",
    views_owner.reschedule,
    methods=BOTH,
)
bp.add_url_rule(
    "/permits/<int:permit_id>/certificate/pickup/<int:appointment_id>/calendar.ics",
    "pickup_calendar",
    views_owner.pickup_calendar,
    methods=GET,
)
bp.add_url_rule(
    "/permits/<int:permit_id>/certificate/pickup/<int:appointment_id>/cancel",
    "cancel_pickup",
    views_owner.cancel_pickup,
    methods=POST,
)

bp.add_url_rule(
    "/permits/<int:permit_id>/certificates/<int:certificate_id>/pdf",
    "download_certificate",
    views_occupancy.download_certificate,
    methods=GET,
)

# ---- occupancy requests: the owner and agents ask, staff decide
bp.add_url_rule(
    "/permits/<int:permit_id>/occupancy-requests/new",
    "request_occupancy",
    views_occupancy.request_occupancy,
    methods=BOTH,
)
bp.add_url_rule(
    "/permits/<int:permit_id>/certificates/<int:certificate_id>/extension",
    "request_extension",
    views_occupancy.request_extension,
    methods=BOTH,
)
bp.add_url_rule(
    "/permits/<int:permit_id>/optional-certificate",
    "request_optional",
    views_occupancy.request_optional,
    methods=BOTH,
)
bp.add_url_rule(
    "/staff/occupancy-requests", "request_queue", views_occupancy.request_queue, methods=GET
)
bp.add_url_rule(
    "/staff/occupancy-requests/<int:occupancy_request_id>",
    "staff_request",
    views_occupancy.staff_request,
    methods=GET,
)
bp.add_url_rule(
    "/staff/occupancy-requests/<int:occupancy_request_id>/refuse",
    "refuse_request",
    views_occupancy.refuse_request,
    methods=POST,
)
bp.add_url_rule(
    "/staff/occupancy-requests/<int:occupancy_request_id>/approve",
    "approve_optional",
    views_occupancy.approve_optional,
    methods=POST,
)
bp.add_url_rule(
    "/staff/occupancy-requests/<int:occupancy_request_id>/extend",
    "extend_for_request",
    views_occupancy.extend_for_request,
    methods=POST,
)
bp.add_url_rule(
    "/staff/occupancy-requests/<int:occupancy_request_id>/documents/<int:request_document_id>",
    "request_document",
    views_occupancy.request_document,
    methods=GET,
)

# ---- the public
bp.add_url_rule("/verify", "verify_lookup", views_public.verify_lookup, methods=GET)
bp.add_url_rule("/verify/<number>", "verify", views_public.verify, methods=GET)

# ---- staff at the counter; admins set its hours
bp.add_url_rule("/staff/pickups", "counter", views_counter.counter, methods=GET)
bp.add_url_rule(
    "/staff/pickups/<int:appointment_id>/picked-up",
    "mark_picked_up",
    views_counter.mark_picked_up,
    methods=POST,
)
bp.add_url_rule(
    "/staff/pickups/<int:appointment_id>/no-show",
    "mark_no_show",
    views_counter.mark_no_show,
    methods=POST,
)
bp.add_url_rule("/staff/pickup-hours", "hours", views_counter.hours, methods=BOTH)
bp.add_url_rule(
    "/staff/pickup-hours/closed-days",
    "add_closed_day",
    views_counter.add_closed_day,
    methods=POST,
)
bp.add_url_rule(
    "/staff/pickup-hours/slots/<int:slot_id>/remove",
    "remove_slot",
    views_counter.remove_slot,
    methods=POST,
)
bp.add_url_rule(
    "/staff/pickup-hours/closed-days/<int:closed_day_id>/remove",
    "remove_closed_day",
    views_counter.remove_closed_day,
    methods=POST,
)
