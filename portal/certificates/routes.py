"""Certificates: staff issue, correct and revoke; owners download and book a pickup; the
public verifies; staff run the counter and admins set its hours."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import admin, permit_party, public, staff
from portal.applications.models import APPLICATION_TRANSITIONS, ApplicationStatus
from portal.applications.services import mark_not_applicable
from portal.certificates import (
    answers,
    counter_hours,
    errors,
    issuing,
    openings,
    pdf,
    pickup,
    reading,
    verification,
    versions,
)
from portal.certificates.forms import (
    BookForm,
    ClosedDayForm,
    CorrectionForm,
    IssueForm,
    NotApplicableForm,
    PickedUpForm,
    RescheduleForm,
    RevokeForm,
    SlotForm,
    VersionForm,
)
from portal.certificates.models import ClosedDay, PickupSlot, PickupStatus, VersionStatus
from portal.certificates.queue import IssuedForm, ReadyForm, issued_certificates, ready_to_issue
from portal.documents.store import send_stored
from portal.errors import DomainError
from portal.extensions import db, limiter
from portal.forms import ActionForm
from portal.inspections import calendar
from portal.permits.models import PartyRole, Permit

bp = Blueprint("certificates", __name__)

# Enough for a person checking a few certificates, too few to walk the number space.
VERIFY_LIMIT = "30 per minute"
EDITORS = (PartyRole.OWNER, PartyRole.AGENT)


def _me():
    return current_user._get_current_object()


def _form_error(form, error: errors.InvalidCertificate) -> None:
    """Show a service's refusal beside the field it names (or at the top)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


# ---- staff: issue ---------------------------------------------------------------------------


@bp.get("/staff/certificates")
@staff
def staff_list():
    form = ReadyForm.from_request()
    return render_template("certificates/staff_list.html", form=form, page=ready_to_issue(form))


@bp.get("/staff/certificates/issued")
@staff
def issued_list():
    form = IssuedForm.from_request()
    return render_template(
        "certificates/issued_list.html", form=form, page=issued_certificates(form)
    )


def _application_or_404(application_id: int):
    application = reading.application_for_issue(application_id)
    if application is None:
        abort(404)
    return application


def _prefilled_issue_form(application) -> IssueForm:
    form = IssueForm(formdata=None)
    form.version.data = str(application.version)
    form.certificate_type.data = (
        application.certificate_type.value if application.certificate_type else "full"
    )
    form.portion_of_building.data = application.partial_portion or application.portion_of_building
    form.occupancy_load.data = application.occupancy_load
    form.occupancy_groups.data = application.occupancy_groups or []
    form.construction_type.data = application.construction_type
    form.granted_date.data = calendar.local_today()
    form.description.data = application.permit.description
    return form


def _issue_page(application, issue_form, *, na_form=None, complete_form=None):
    if na_form is None:
        na_form = NotApplicableForm(formdata=None, prefix="na")
        na_form.version.data = str(application.version)
    if complete_form is None:
        complete_form = VersionForm(formdata=None, prefix="complete")
        complete_form.version.data = str(application.version)
    guards = issuing.issue_guards(application)
    status = application.status
    return render_template(
        "certificates/issue.html",
        application=application,
        permit=application.permit,
        issue_form=issue_form,
        na_form=na_form,
        complete_form=complete_form,
        # The form that failed, for the page title and the error summary.
        form=next((f for f in (issue_form, na_form, complete_form) if f.errors), None),
        guards=guards,
        guards_ok=all(g.ok for g in guards),
        outstanding=answers.cofo_granted_with_outstanding_matters(application.permit_id),
        can_complete=status == ApplicationStatus.ACCEPTED,
        can_not_applicable=APPLICATION_TRANSITIONS.can(status, ApplicationStatus.NOT_APPLICABLE),
        certificate=reading.certificate_for_application(application.id),
    )


@bp.route("/staff/applications/<int:application_id>/certificate", methods=["GET", "POST"])
@staff
def issue(application_id: int):
    application = _application_or_404(application_id)
    if request.method == "GET":
        return _issue_page(application, _prefilled_issue_form(application))
    form = IssueForm()
    if not form.validate_on_submit():
        return _issue_page(application, form)
    try:
        certificate = issuing.issue(application, _me(), form.version.data, form.answers())
    except errors.InvalidCertificate as error:
        _form_error(form, error)
        return _issue_page(application, form)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("certificates.issue", application_id=application_id))
    flash(_("Certificate %(number)s issued and emailed.", number=certificate.number), "success")
    return redirect(url_for("certificates.staff_certificate", certificate_id=certificate.id))


@bp.post("/staff/applications/<int:application_id>/certificate/inspections-complete")
@staff
def inspections_complete(application_id: int):
    application = _application_or_404(application_id)
    form = VersionForm(prefix="complete")
    if not form.validate_on_submit():
        return _issue_page(application, _prefilled_issue_form(application), complete_form=form)
    try:
        issuing.mark_inspections_complete(application, _me(), form.version.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("The application is now at Inspections Complete."), "success")
    return redirect(url_for("certificates.issue", application_id=application_id))


@bp.post("/staff/applications/<int:application_id>/certificate/not-applicable")
@staff
def not_applicable(application_id: int):
    application = _application_or_404(application_id)
    form = NotApplicableForm(prefix="na")
    if not form.validate_on_submit():
        return _issue_page(application, _prefilled_issue_form(application), na_form=form)
    try:
        mark_not_applicable(application, _me(), form.version.data, form.reason.data)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("certificates.issue", application_id=application_id))
    flash(_("Application marked not applicable."), "success")
    return redirect(url_for("applications.review", application_id=application_id))


# ---- staff: one certificate -----------------------------------------------------------------


def _certificate_or_404(certificate_id: int):
    certificate = reading.certificate_for_staff(certificate_id)
    if certificate is None:
        abort(404)
    return certificate


def _correction_form(certificate) -> CorrectionForm:
    form = CorrectionForm(formdata=None)
    version = certificate.current_version
    if version is not None:
        answers = versions.version_answers(version)
        form.certificate_type.data = answers["certificate_type"].value
        for name in (
            "portion_of_building",
            "occupancy_load",
            "occupancy_groups",
            "construction_type",
            "granted_date",
            "expires_on",
            "description",
            "conditions",
        ):
            getattr(form, name).data = answers[name]
    return form


def _certificate_page(certificate, correction=None, revoke_form=None, form=None):
    return render_template(
        "certificates/staff_certificate.html",
        certificate=certificate,
        permit=certificate.permit,
        correction=correction or _correction_form(certificate),
        revoke_form=revoke_form or RevokeForm(formdata=None, prefix="revoke"),
        form=form,
        statuses=VersionStatus,
        verify_url=pdf.verification_url,
    )


@bp.get("/staff/certificates/<int:certificate_id>")
@staff
def staff_certificate(certificate_id: int):
    return _certificate_page(_certificate_or_404(certificate_id))


@bp.post("/staff/certificates/<int:certificate_id>/regenerate")
@staff
def regenerate(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = CorrectionForm()
    if not form.validate_on_submit():
        return _certificate_page(certificate, correction=form, form=form)
    try:
        version = versions.regenerate(certificate, _me(), form.answers(), form.reason.data)
    except errors.InvalidCertificate as error:
        _form_error(form, error)
        return _certificate_page(_certificate_or_404(certificate_id), correction=form, form=form)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(
            _(
                "Version %(n)s issued; the previous version is superseded.",
                n=version.version_number,
            ),
            "success",
        )
    return redirect(url_for("certificates.staff_certificate", certificate_id=certificate_id))


@bp.post("/staff/certificates/<int:certificate_id>/revoke")
@staff
def revoke(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = RevokeForm(prefix="revoke")
    if not form.validate_on_submit():
        return _certificate_page(certificate, revoke_form=form, form=form)
    try:
        versions.revoke(certificate, _me(), form.reason.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Certificate %(number)s revoked.", number=certificate.number), "success")
    return redirect(url_for("certificates.staff_certificate", certificate_id=certificate_id))


@bp.get("/staff/certificates/<int:certificate_id>/versions/<int:version_id>/pdf")
@staff
def staff_download(certificate_id: int, version_id: int):
    certificate = _certificate_or_404(certificate_id)
    version = next((v for v in certificate.versions if v.id == version_id), None)
    if version is None:
        abort(404)
    name = version.filename
    if version.status != VersionStatus.CURRENT:
        name = name.removesuffix(".pdf") + f"-{version.status.value.upper()}.pdf"
    return send_stored(version.stored_file, name)


# ---- the owner and agents -------------------------------------------------------------------


@bp.get("/permits/<int:permit_id>/certificate")
@permit_party(*EDITORS)
def certificate(permit: Permit):
    found = reading.certificate_for_permit(permit)
    appointment = reading.open_appointment(found.id) if found else None
    return render_template(
        "certificates/certificate.html",
        permit=permit,
        certificate=found,
        current=found.current_version if found else None,
        appointment=appointment,
        problem=pickup.booking_problem(found) if found else None,
        cancel_form=_version_form(appointment),
        verify_url=pdf.verification_url,
    )


def _version_form(appointment):
    form = VersionForm(formdata=None)
    if appointment is not None:
        form.version.data = str(appointment.version)
    return form


@bp.get("/permits/<int:permit_id>/certificate/pdf")
@permit_party(*EDITORS)
def download(permit: Permit):
    found = reading.certificate_for_permit(permit)
    current = found.current_version if found and not found.is_revoked else None
    if current is None:
        abort(404)
    return send_stored(current.stored_file, current.filename)


def _book_page(permit, form, openings, *, appointment=None, problem=None):
    form.opening.choices = [(opening.value, opening.label) for opening in openings]
    return render_template(
        "certificates/book.html",
        permit=permit,
        form=form,
        openings=openings,
        appointment=appointment,
        problem=problem,
    )


@bp.route("/permits/<int:permit_id>/certificate/pickup", methods=["GET", "POST"])
@permit_party(*EDITORS, staff_allowed=False)
def book(permit: Permit):
    problem = pickup.booking_problem(reading.certificate_for_permit(permit))
    form = BookForm()
    if problem:
        return _book_page(permit, form, [], problem=problem)
    if form.validate_on_submit():
        try:
            pickup.book_pickup(permit, _me(), form.opening.data)
        except errors.InvalidCertificate as error:
            _form_error(form, error)
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


@bp.route(
    "/permits/<int:permit_id>/certificate/pickup/<int:appointment_id>/reschedule",
    methods=["GET", "POST"],
)
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
            pickup.reschedule_pickup(appointment, _me(), form.opening.data, form.version.data)
        except errors.InvalidCertificate as error:
            _form_error(form, error)
        except DomainError as error:
            form.opening.errors = [*form.opening.errors, error.message]
        else:
            flash(_("Pickup moved. We emailed you the new calendar invitation."), "success")
            return redirect(url_for("certificates.certificate", permit_id=permit.id))
    return _book_page(
        permit, form, openings.openings(excluding=appointment.id), appointment=appointment
    )


@bp.post("/permits/<int:permit_id>/certificate/pickup/<int:appointment_id>/cancel")
@permit_party(*EDITORS, staff_allowed=False)
def cancel_pickup(permit: Permit, appointment_id: int):
    appointment = _appointment_or_404(permit, appointment_id)
    form = VersionForm()
    if not form.validate_on_submit():
        flash(_("Your session ended. Please try again."), "error")
        return redirect(url_for("certificates.certificate", permit_id=permit.id))
    try:
        pickup.cancel_pickup(appointment, _me(), form.version.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Pickup cancelled."), "success")
    return redirect(url_for("certificates.certificate", permit_id=permit.id))


# ---- public verification --------------------------------------------------------------------


@bp.get("/verify")
@public
@limiter.limit(VERIFY_LIMIT)
def verify_lookup():
    number = request.args.get("number", "").strip()
    if number:
        return redirect(url_for("certificates.verify", number=verification.normalise_code(number)))
    return render_template("certificates/verify_lookup.html")


@bp.get("/verify/<number>")
@public
@limiter.limit(VERIFY_LIMIT)
def verify(number: str):
    result = verification.verify(number[:60])
    status = 404 if result.state in ("unknown", "malformed") else 200
    return render_template("certificates/verify.html", result=result), status


# ---- staff: the counter ---------------------------------------------------------------------


def _day_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return calendar.local_today()


def _counter_page(day: date, failed_id: int | None = None, failed_form=None):
    appointments = reading.counter_day(day)
    forms = {}
    for appointment in appointments:
        if appointment.id == failed_id:
            forms[appointment.id] = failed_form
            continue
        form = PickedUpForm(formdata=None, prefix=f"a{appointment.id}")
        form.version.data = str(appointment.version)
        forms[appointment.id] = form
    return render_template(
        "certificates/counter.html",
        day=day,
        appointments=appointments,
        forms=forms,
        form=failed_form,
        statuses=PickupStatus,
    )


@bp.get("/staff/pickups")
@staff
def counter():
    return _counter_page(_day_arg())


def _staff_appointment_or_404(appointment_id: int):
    appointment = reading.appointment_for_staff(appointment_id)
    if appointment is None:
        abort(404)
    return appointment


@bp.post("/staff/pickups/<int:appointment_id>/picked-up")
@staff
def mark_picked_up(appointment_id: int):
    appointment = _staff_appointment_or_404(appointment_id)
    form = PickedUpForm(prefix=f"a{appointment.id}")
    if not form.validate_on_submit():
        return _counter_page(appointment.day, appointment.id, form)
    try:
        pickup.mark_picked_up(
            appointment,
            _me(),
            identity_checked=form.identity_checked.data,
            collected_by=form.collected_by.data,
            version=form.version.data,
        )
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Marked as picked up."), "success")
    return redirect(url_for("certificates.counter", day=appointment.day.isoformat()))


@bp.post("/staff/pickups/<int:appointment_id>/no-show")
@staff
def mark_no_show(appointment_id: int):
    appointment = _staff_appointment_or_404(appointment_id)
    form = VersionForm()
    if not form.validate_on_submit():
        flash(_("Your session ended. Please try again."), "error")
    else:
        try:
            pickup.mark_no_show(appointment, _me(), form.version.data)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Marked as a no-show. The owner can book again."), "success")
    return redirect(url_for("certificates.counter", day=appointment.day.isoformat()))


# ---- admin: the counter's hours -------------------------------------------------------------


def _hours_page(slot_form=None, closed_form=None, form=None):
    return render_template(
        "certificates/hours.html",
        slots=counter_hours.pickup_slots(),
        closed=counter_hours.closed_days(calendar.local_today()),
        slot_form=slot_form or SlotForm(formdata=None, prefix="slot"),
        closed_form=closed_form or ClosedDayForm(formdata=None, prefix="closed"),
        action_form=ActionForm(formdata=None),
        form=form,
    )


@bp.route("/staff/pickup-hours", methods=["GET", "POST"])
@admin
def hours():
    if request.method == "GET":
        return _hours_page()
    form = SlotForm(prefix="slot")
    if form.validate_on_submit():
        try:
            counter_hours.add_slot(
                _me(),
                weekday=int(form.weekday.data),
                start=form.start.data,
                end=form.end.data,
                capacity=form.capacity.data,
            )
        except errors.InvalidCertificate as error:
            _form_error(form, error)
        else:
            flash(_("Pickup slot added."), "success")
            return redirect(url_for("certificates.hours"))
    return _hours_page(slot_form=form, form=form)


@bp.post("/staff/pickup-hours/closed-days")
@admin
def add_closed_day():
    form = ClosedDayForm(prefix="closed")
    if form.validate_on_submit():
        try:
            counter_hours.add_closed_day(_me(), form.day.data, form.reason.data)
        except errors.InvalidCertificate as error:
            _form_error(form, error)
        else:
            flash(_("Closed day added."), "success")
            return redirect(url_for("certificates.hours"))
    return _hours_page(closed_form=form, form=form)


@bp.post("/staff/pickup-hours/slots/<int:slot_id>/remove")
@admin
def remove_slot(slot_id: int):
    slot = db.session.get(PickupSlot, slot_id)
    if slot is None or not slot.active:
        abort(404)
    if ActionForm().validate_on_submit():
        counter_hours.remove_slot(slot, _me())
        flash(_("Pickup slot removed."), "success")
    else:
        flash(_("Your session ended. Please try again."), "error")
    return redirect(url_for("certificates.hours"))


@bp.post("/staff/pickup-hours/closed-days/<int:closed_day_id>/remove")
@admin
def remove_closed_day(closed_day_id: int):
    closed = db.session.get(ClosedDay, closed_day_id)
    if closed is None:
        abort(404)
    if ActionForm().validate_on_submit():
        counter_hours.remove_closed_day(closed, _me())
        flash(_("Closed day removed."), "success")
    else:
        flash(_("Your session ended. Please try again."), "error")
    return redirect(url_for("certificates.hours"))
