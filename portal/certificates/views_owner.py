"""The owner and agents: see and download the certificate, book, move or cancel its pickup."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.access import current_actor
from portal.certificates import openings, panel, pdf, phases, pickup, reading
from portal.certificates.downloads import send_version
from portal.certificates.errors import InvalidCertificate
from portal.certificates.forms import BookForm, RescheduleForm, VersionForm
from portal.certificates.models import PickupStatus
from portal.errors import DomainError
from portal.forms import show_refusal
from portal.inspections import ics
from portal.permits.access import permit_party
from portal.permits.models import PartyRole, Permit

EDITORS = (PartyRole.OWNER, PartyRole.AGENT)


@permit_party(*EDITORS)
def certificate(permit: Permit):
    found = reading.certificate_for_permit(permit)
    appointment = reading.open_appointment(found.id) if found else None
    certificates = reading.certificates_for_permit(permit.id)
    panel.requeue_missing_pdfs(certificates)
    return render_template(
        "certificates/certificate.html",
        permit=permit,
        certificates=certificates,
        requests=reading.requests_for_permit(permit.id),
        is_expired=phases.is_expired,
        certificate=found,
        current=found.current_version if found else None,
        appointment=appointment,
        problem=pickup.booking_problem(found) if found else None,
        cancelled_pickup=reading.pickup_cancelled_by_revocation(found) if found else None,
        cancel_form=_version_form(appointment),
        counter_address=pickup.counter_address_line(),
        verify_url=pdf.verification_url,
    )


def _version_form(appointment):
    form = VersionForm(formdata=None)
    if appointment is not None:
        form.version.data = str(appointment.version)
    return form


@permit_party(*EDITORS)
def download(permit: Permit):
    found = reading.certificate_for_permit(permit)
    current = found.current_version if found and not found.is_revoked else None
    if current is None:
        abort(404)
    return send_version(
        current, current.filename, url_for("certificates.certificate", permit_id=permit.id)
    )


def _book_page(permit, form, choices, *, appointment=None, problem=None):
    form.opening.choices = [(opening.value, opening.label) for opening in choices]
    # A day first, then its times: the chosen day comes from the link (?day=) or the post.
    wanted = request.args.get("day") or (form.opening.data if form.is_submitted() else None)
    return render_template(
        "certificates/book.html",
        permit=permit,
        form=form,
        openings=choices,
        choice=openings.by_day(choices, wanted),
        appointment=appointment,
        problem=problem,
        counter_address=pickup.counter_address_line(),
    )


@permit_party(*EDITORS, staff_allowed=False)
def book(permit: Permit):
    problem = pickup.booking_problem(reading.certificate_for_permit(permit))
    form = BookForm()
    if problem:
        return _book_page(permit, form, [], problem=problem)
    if form.validate_on_submit():
        try:
            pickup.book_pickup(permit, current_actor(), form.opening.data)
        except InvalidCertificate as error:
            show_refusal(form, error)
        except DomainError as error:
            form.opening.errors = [*form.opening.errors, error.message]
        else:
            flash(_("Pickup booked. We emailed you a calendar invitation."), "success")
            return redirect(url_for("certificates.certificate", permit_id=permit.id))
    return _book_page(permit, form, openings.openings())


def _appointment_or_404(permit: Permit, appointment_id: int):
    appointment = reading.appointment_for_permit(permit, appointment_id)
    if appointment is None:
        abort(404)
    return appointment


@permit_party(*EDITORS, staff_allowed=False)
def reschedule(permit: Permit, appointment_id: int):
    appointment = _appointment_or_404(permit, appointment_id)
    if appointment.status != PickupStatus.BOOKED:
        flash(_("This pickup is no longer booked, so it cannot be changed."), "error")
        return redirect(url_for("certificates.certificate", permit_id=permit.id))
    form = RescheduleForm()
    if request.method == "GET":
        form.version.data = str(appointment.version)
    elif form.validate_on_submit():
        try:
            pickup.reschedule_pickup(
                appointment, current_actor(), form.opening.data, form.version.data
            )
        except InvalidCertificate as error:
            show_refusal(form, error)
        except DomainError as error:
            form.opening.errors = [*form.opening.errors, error.message]
        else:
            flash(_("Pickup moved. We emailed you the new calendar invitation."), "success")
            return redirect(url_for("certificates.certificate", permit_id=permit.id))
    return _book_page(
        permit, form, openings.openings(excluding=appointment.id), appointment=appointment
    )


@permit_party(*EDITORS, staff_allowed=False)
def cancel_pickup(permit: Permit, appointment_id: int):
    appointment = _appointment_or_404(permit, appointment_id)
    form = VersionForm()
    if not form.validate_on_submit():
        flash(_("Your session ended. Please try again."), "error")
        return redirect(url_for("certificates.certificate", permit_id=permit.id))
    try:
        pickup.cancel_pickup(appointment, current_actor(), form.version.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Pickup cancelled."), "success")
    return redirect(url_for("certificates.certificate", permit_id=permit.id))


@permit_party(*EDITORS)
def pickup_calendar(permit: Permit, appointment_id: int):
    """The booked pickup as a calendar file ("Add to calendar")."""
    appointment = _appointment_or_404(permit, appointment_id)
    if appointment.status != PickupStatus.BOOKED:
        abort(404)
    return ics.download(pickup.pickup_calendar(appointment), f"pickup-{appointment.id}.ics")
