"""Staff at the pickup counter, and admins setting the counter's hours."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import calendar
from portal.access import admin, current_actor, staff
from portal.certificates import counter_hours, pickup, reading
from portal.certificates.errors import InvalidCertificate
from portal.certificates.forms import ClosedDayForm, PickedUpForm, SlotForm, VersionForm
from portal.certificates.models import ClosedDay, PickupSlot, PickupStatus
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import ActionForm, show_refusal

# ---- the counter ----------------------------------------------------------------------------


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


@staff
def counter():
    return _counter_page(_day_arg())


def _staff_appointment_or_404(appointment_id: int):
    appointment = reading.appointment_for_staff(appointment_id)
    if appointment is None:
        abort(404)
    return appointment


@staff
def mark_picked_up(appointment_id: int):
    appointment = _staff_appointment_or_404(appointment_id)
    form = PickedUpForm(prefix=f"a{appointment.id}")
    if not form.validate_on_submit():
        return _counter_page(appointment.day, appointment.id, form)
    try:
        pickup.mark_picked_up(
            appointment,
            current_actor(),
            identity_checked=form.identity_checked.data,
            collected_by=form.collected_by.data,
            version=form.version.data,
        )
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Marked as picked up."), "success")
    return redirect(url_for("certificates.counter", day=appointment.day.isoformat()))


@staff
def mark_no_show(appointment_id: int):
    appointment = _staff_appointment_or_404(appointment_id)
    form = VersionForm()
    if not form.validate_on_submit():
        flash(_("Your session ended. Please try again."), "error")
    else:
        try:
            pickup.mark_no_show(appointment, current_actor(), form.version.data)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Marked as a no-show. The owner can book again."), "success")
    return redirect(url_for("certificates.counter", day=appointment.day.isoformat()))


# ---- the counter's hours --------------------------------------------------------------------


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


@admin
def hours():
    if request.method == "GET":
        return _hours_page()
    form = SlotForm(prefix="slot")
    if form.validate_on_submit():
        try:
            counter_hours.add_slot(
                current_actor(),
                weekday=int(form.weekday.data),
                start=form.start.data,
                end=form.end.data,
                capacity=form.capacity.data,
            )
        except InvalidCertificate as error:
            show_refusal(form, error)
        else:
            flash(_("Pickup slot added."), "success")
            return redirect(url_for("certificates.hours"))
    return _hours_page(slot_form=form, form=form)


@admin
def add_closed_day():
    form = ClosedDayForm(prefix="closed")
    if form.validate_on_submit():
        try:
            counter_hours.add_closed_day(current_actor(), form.day.data, form.reason.data)
        except InvalidCertificate as error:
            show_refusal(form, error)
        else:
            flash(_("Closed day added."), "success")
            return redirect(url_for("certificates.hours"))
    return _hours_page(closed_form=form, form=form)


@admin
def remove_slot(slot_id: int):
    slot = db.session.get(PickupSlot, slot_id)
    if slot is None or not slot.active:
        abort(404)
    if ActionForm().validate_on_submit():
        counter_hours.remove_slot(slot, current_actor())
        flash(_("Pickup slot removed."), "success")
    else:
        flash(_("Your session ended. Please try again."), "error")
    return redirect(url_for("certificates.hours"))


@admin
def remove_closed_day(closed_day_id: int):
    closed = db.session.get(ClosedDay, closed_day_id)
    if closed is None:
        abort(404)
    if ActionForm().validate_on_submit():
        counter_hours.remove_closed_day(closed, current_actor())
        flash(_("Closed day removed."), "success")
    else:
        flash(_("Your session ended. Please try again."), "error")
    return redirect(url_for("certificates.hours"))
