"""What a mail system and a calendar client receive (issue 14, items 6 to 8): a sent message
read back from its .eml file, part by part and header by header.

Standards checked: RFC 3834 (Auto-Submitted), RFC 2046 (multipart/alternative, plain text
first, the richest part last), RFC 6047 §2.4 (a text/calendar part whose method parameter
repeats the METHOD inside the file, with its charset), RFC 5546 (REQUEST, then CANCEL with
the same UID and a higher SEQUENCE).
"""

import re
from email import message_from_bytes, policy
from email.utils import parseaddr
from html import unescape

import pytest
from icalendar import Calendar

from portal.inspections import requests
from portal.notifications.delivery import eml_filename
from tests.factories.inspections import make_request, schedule
from tests.support.mail import messages, queue, send

pytestmark = pytest.mark.usefixtures("fixed_today")


def _sent(app, mail_dir, message):
    return message_from_bytes(
        (mail_dir / eml_filename(message.message_id)).read_bytes(), policy=policy.default
    )


def _parts(email) -> list[str]:
    return [part.get_content_type() for part in email.walk()]


def test_every_message_is_marked_auto_generated_and_answers_reach_the_department(app, mail_dir):
    message = queue()
    send(app)
    email = _sent(app, mail_dir, message)
    assert email["Auto-Submitted"] == "auto-generated"
    assert parseaddr(email["Reply-To"])[1] == parseaddr(app.config["DEPARTMENT_EMAIL"])[1]
    assert email["From"] == app.config["MAIL_FROM"]


def test_plain_text_comes_first_and_the_html_twin_says_the_same_with_real_links(app, mail_dir):
    message = queue(user={"name": "Ñandú <Straße> & Co"})
    send(app)
    email = _sent(app, mail_dir, message)
    assert _parts(email) == ["multipart/alternative", "text/plain", "text/html"]
    plain = email.get_body(preferencelist=("plain",)).get_content()
    html = email.get_body(preferencelist=("html",)).get_content()
    assert plain.strip() == message.body_text.replace("\r\n", "\n").strip()
    assert '<html lang="en">' in html
    assert f"<title>{message.subject}</title>" in html
    assert f">{app.config['PORTAL_DEPARTMENT']}</h1>" in html
    # Typed text is escaped, never markup; the link is a real link showing its address.
    assert "Ñandú &lt;Straße&gt; &amp; Co" in html
    link = "https://portal.example.gov/account/password/forgot"
    assert link in plain
    assert f'<a href="{link}">{link}</a>' in html
    # The HTML's text, without its heading and markup, is the plain text word for word.
    body = html.split("</h1>", 1)[1]
    assert _words(unescape(re.sub(r"<[^>]+>", " ", body))) == _words(plain)


def _words(text: str) -> list[str]:
    return text.split()


def _calendar_part(email):
    [part] = [part for part in email.walk() if part.get_content_type() == "text/calendar"]
    return part


def test_an_invitation_is_a_text_calendar_alternative_with_its_method_and_charset(
    app, mail_dir, permit, contractor, owner, inspector
):
    inspection_request = make_request(permit, contractor)
    schedule(inspection_request, inspector)
    [message] = [m for m in messages() if m.to_address == owner.email and m.attachments]
    send(app)
    email = _sent(app, mail_dir, message)
    assert email["Auto-Submitted"] == "auto-generated"
    assert _parts(email) == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/ics",
    ]
    part = _calendar_part(email)
    assert part.get_param("method") == "REQUEST"
    assert part.get_content_charset() == "utf-8"
    assert part.get_content_disposition() is None  # shown as the invitation, not a file
    invitation = Calendar.from_ical(part.get_content())
    assert str(invitation["method"]) == part.get_param("method")
    [event] = invitation.walk("VEVENT")
    organizer = str(event["organizer"])
    assert organizer == "mailto:" + parseaddr(app.config["DEPARTMENT_EMAIL"])[1]
    assert "no-reply" not in organizer
    [attendee] = [a for a in _attendees(event) if owner.email in str(a)]
    assert attendee.params["RSVP"] == "FALSE"
    [attached] = list(email.iter_attachments())
    assert attached.get_filename() == "inspection.ics"
    assert Calendar.from_ical(attached.get_content()).to_ical() == invitation.to_ical()


def _attendees(event):
    attendees = event["attendee"]
    return attendees if isinstance(attendees, list) else [attendees]


def test_a_cancellation_says_method_cancel_in_the_part_and_the_file(
    app, mail_dir, permit, contractor, owner, inspector
):
    inspection_request = make_request(permit, contractor)
    schedule(inspection_request, inspector)
    requests.cancel_request(inspection_request, owner, inspection_request.version)
    cancelled = [m for m in messages() if m.to_address == owner.email and m.attachments][-1]
    send(app)
    part = _calendar_part(_sent(app, mail_dir, cancelled))
    assert part.get_param("method") == "CANCEL"
    invitation = Calendar.from_ical(part.get_content())
    assert str(invitation["method"]) == "CANCEL"
    [event] = invitation.walk("VEVENT")
    assert event["sequence"] == 1
    assert str(event["status"]) == "CANCELLED"
