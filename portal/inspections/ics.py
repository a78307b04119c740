"""Calendar invitations (.ics) for scheduled inspections and certificate pickups.

One UID per inspection request (or pickup) for its whole life: a reschedule sends the same UID
with a higher SEQUENCE, so calendars move the event instead of adding a second one;
a cancellation sends METHOD:CANCEL with the same UID.
"""

from datetime import datetime
from email.utils import parseaddr

from flask import Response, current_app
from icalendar import Calendar, Event, vCalAddress, vText

from portal.calendar import local_window
from portal.inspections.models import WINDOW_HOURS
from portal.models import utcnow

PRODID = "-//Occupancy Portal//Inspections//EN"


def _domain() -> str:
    return parseaddr(current_app.config["MAIL_FROM"])[1].rsplit("@", 1)[-1] or "portal.local"


def uid(kind: str, record_id: int) -> str:
    """One UID per record for its whole life, e.g. ``pickup-appointment-7@example.gov``."""
    return f"{kind}-{record_id}@{_domain()}"


def uid_for(inspection_request) -> str:
    return uid("inspection-request", inspection_request.id)


def build(
    *,
    uid: str,
    sequence: int,
    start: datetime,
    end: datetime,
    summary: str,
    location: str,
    description: str,
    attendees: list[str],
    cancel: bool = False,
) -> bytes:
    """An invitation (or its cancellation) from the department to the attendees."""
    organizer_address = parseaddr(current_app.config["MAIL_FROM"])[1]

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")

    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("location", vText(location))
    event.add("description", description)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{organizer_address}")
    organizer.params["cn"] = vText(current_app.config["PORTAL_DEPARTMENT"])
    event.add("organizer", organizer)
    for address in attendees:
        attendee = vCalAddress(f"mailto:{address}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    # A VTIMEZONE for the department's zone, so DTSTART carries TZID and means local time.
    calendar.add_missing_timezones()
    return calendar.to_ical()


def invitation(inspection_request, attendees: list[str], *, cancel: bool = False) -> bytes:
    """The .ics for the request's current schedule (or its cancellation)."""
    request = inspection_request
    permit = request.permit
    start, end = local_window(request.scheduled_date, *WINDOW_HOURS[request.scheduled_window])
    return build(
        uid=uid_for(request),
        sequence=request.ics_sequence,
        start=start,
        end=end,
        summary=f"{request.inspection_type.name}: {permit.permit_num}",
        location=permit.address,
        description="\n".join(
            line
            for line in (
                f"{current_app.config['PORTAL_DEPARTMENT']} inspection, permit {permit.permit_num}",
                f"Arrival window: {request.scheduled_window.label}",
                f"Inspector: {request.inspector.name}" if request.inspector else "",
                f"On-site contact: {request.contact_name}, {request.contact_phone}",
            )
            if line
        ),
        attendees=attendees,
        cancel=cancel,
    )


def download(data: bytes, filename: str) -> Response:
    """An "Add to calendar" download of an invitation built here (same UID and SEQUENCE as
    the emailed one, so a calendar that has both keeps one event)."""
    return Response(
        data,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
