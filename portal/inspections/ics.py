"""Calendar invitations (.ics) for scheduled inspections and certificate pickups.

One UID per inspection request (or pickup) for its whole life: a reschedule sends the same UID
with a higher SEQUENCE, so calendars move the event instead of adding a second one;
a cancellation sends METHOD:CANCEL with the same UID.

METHOD:REQUEST (and CANCEL), not PUBLISH: only an iTIP request from the organizer is applied
by Outlook, Gmail and Apple Calendar as a move of the event already in the calendar, and
only a CANCEL removes it; a PUBLISHed event is a copy the client may never update. The
organizer is therefore a mailbox people at the department read (DEPARTMENT_EMAIL), never the
no-reply sender, so a reply ("declined") reaches someone; attendees carry RSVP=FALSE because
no answer is needed: the date is changed or cancelled in the portal.
"""

from datetime import datetime
from email.utils import parseaddr

from flask import Response, current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from portal import languages
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
    organizer_name, organizer_address = parseaddr(current_app.config["DEPARTMENT_EMAIL"])
    if not organizer_address:
        organizer_name, organizer_address = parseaddr(current_app.config["MAIL_FROM"])

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
    organizer.params["cn"] = vText(organizer_name or current_app.config["PORTAL_DEPARTMENT"])
    event.add("organizer", organizer)
    for address in attendees:
        attendee = vCalAddress(f"mailto:{address}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["rsvp"] = vText("FALSE")
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
    # One file for every attendee, in the owner's language.
    with languages.rendering_in(permit.owner_language):
        summary = _(
            "%(name)s inspection: permit %(num)s",
            name=request.inspection_type.name,
            num=permit.permit_num,
        )
        lines = (
            _(
                "%(department)s inspection, permit %(num)s",
                department=current_app.config["PORTAL_DEPARTMENT"],
                num=permit.permit_num,
            ),
            _("Arrival window: %(window)s", window=request.scheduled_window.label),
            _("Inspector: %(name)s", name=request.inspector.name) if request.inspector else "",
            _(
                "On-site contact: %(name)s, %(phone)s",
                name=request.contact_name,
                phone=request.contact_phone,
            ),
        )
    return build(
        uid=uid_for(request),
        sequence=request.ics_sequence,
        start=start,
        end=end,
        summary=summary,
        location=permit.address,
        description="\n".join(line for line in lines if line),
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
