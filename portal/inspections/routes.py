"""Inspections: the permit's checklist, requests by the people on it, and the staff's pages."""

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal import calendar
from portal.access import admin, current_actor, staff
from portal.documents import images, oversize
from portal.documents.store import send_stored
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import show_refusal
from portal.inspections import catalogue, deadlines, ics, requests, results, scheduling
from portal.inspections.checklist import blocked_by_fees, permit_panel
from portal.inspections.errors import InvalidRequest
from portal.inspections.forms import (
    DEFICIENCY_ROWS,
    DUTY_LABELS,
    AddRequiredForm,
    AgencyResultForm,
    CancelForm,
    InspectionTypeForm,
    RemoveRequiredForm,
    RequestForm,
    RescheduleForm,
    ResultForm,
    ScheduleForm,
    WithdrawResultForm,
)
from portal.inspections.models import (
    VISIT_STATES,
    InspectionPhoto,
    InspectionRequest,
    InspectionResult,
    InspectionStatus,
    InspectionType,
    Window,
)
from portal.inspections.queue import InspectionQueueForm, inspection_queue
from portal.languages import weekday_date
from portal.permits.access import permit_party
from portal.permits.models import Permit
from portal.settings import services as settings

bp = Blueprint("inspections", __name__)


def _request_or_404(permit: Permit, request_id: int):
    inspection_request = requests.request_for_permit(permit.id, request_id)
    if inspection_request is None:
        abort(404)
    return inspection_request


def _changeable_or_404(permit: Permit, request_id: int):
    """The request, if this user may cancel or reschedule it; to anyone else it is a miss."""
    inspection_request = _request_or_404(permit, request_id)
    if not requests.may_change(inspection_request, current_actor()):
        abort(404)
    return inspection_request


# ---- the people on the permit ----------------------------------------------------------------


@bp.get("/permits/<int:permit_id>/inspections")
@permit_party()
def checklist(permit: Permit):
    return render_template(
        "inspections/checklist.html",
        permit=permit,
        panel=permit_panel(permit),
    )


def _request_page(permit, form, refusal=None, status=200):
    cutoffs = deadlines.upcoming_cutoffs()
    earliest = deadlines.earliest_inspection_day()
    form.limit_dates(earliest, deadlines.latest_inspection_day())
    chosen = [
        (weekday_date(day), weekday_date(deadlines.cutoff_day(day)))
        for day in (form[name].data for name in requests.DATE_FIELDS)
        if isinstance(day, date) and day >= earliest
    ]
    return render_template(
        "inspections/request.html",
        permit=permit,
        form=form,
        refusal=refusal,
        duties=DUTY_LABELS,
        earliest=earliest,
        earliest_cutoff=deadlines.cutoff_day(earliest),
        chosen_cutoffs=chosen,
        cutoffs_json={
            day.isoformat(): [weekday_date(day), weekday_date(cut)] for day, cut in cutoffs.items()
        },
        lead_days=settings.current().inspection_lead_business_days,
        cutoff_days=settings.current().inspection_cutoff_business_days,
        blocked=blocked_by_fees(permit.id),
    ), status


@bp.route("/permits/<int:permit_id>/inspections/request", methods=["GET", "POST"])
@permit_party()
def request_inspection(permit: Permit):
    form = RequestForm()
    form.required_inspection.choices = [(0, _("Choose an inspection"))] + [
        (required.id, f"{required.inspection_type.stage.label}: {required.inspection_type.name}")
        for required in requests.requestable(permit.id)
    ]
    if request.method == "GET":
        chosen = request.args.get("required", type=int)
        if chosen:
            form.required_inspection.data = chosen
        form.contact_name.data = form.contact_name.data or current_user.name
        form.contact_phone.data = form.contact_phone.data or current_user.phone
    refusal: DomainError | None = None
    if form.validate_on_submit():
        try:
            created = requests.request_inspection(permit, current_actor(), form.answers())
        except InvalidRequest as error:
            if error.fees_link or not error.field:
                refusal = error
            else:
                show_refusal(form, error)
        except DomainError as error:
            refusal = error
        else:
            flash(
                _("Your request was sent. We will email you when the inspection is scheduled."),
                "success",
            )
            return redirect(
                url_for("inspections.detail", permit_id=permit.id, request_id=created.id)
            )
    return _request_page(permit, form, refusal)


@bp.get("/permits/<int:permit_id>/inspections/<int:request_id>")
@permit_party()
def detail(permit: Permit, request_id: int):
    inspection_request = _request_or_404(permit, request_id)
    return render_template(
        "inspections/detail.html",
        permit=permit,
        inspection=inspection_request,
        statuses=InspectionStatus,
        can_change=requests.may_change(inspection_request, current_actor()),
        late=requests.cancellation_is_late(inspection_request),
        cutoff=deadlines.cutoff_day(inspection_request.scheduled_date)
        if inspection_request.scheduled_date
        else None,
    )


@bp.get("/permits/<int:permit_id>/inspections/<int:request_id>/calendar.ics")
@permit_party()
def calendar_file(permit: Permit, request_id: int):
    """A booked visit as a calendar file, for those who did not get (or lost) the email; a
    visit already made keeps its date too. A request never booked, or cancelled, has none."""
    inspection_request = _request_or_404(permit, request_id)
    if inspection_request.status not in VISIT_STATES:
        abort(404)
    data = ics.invitation(inspection_request, [current_actor().email])
    return ics.download(data, f"inspection-{inspection_request.id}.ics")


@bp.route("/permits/<int:permit_id>/inspections/<int:request_id>/cancel", methods=["GET", "POST"])
@permit_party()
def cancel(permit: Permit, request_id: int):
    inspection_request = _changeable_or_404(permit, request_id)
    if not inspection_request.is_open:
        flash(_("This inspection is no longer open, so it cannot be cancelled."), "error")
        return redirect(url_for("inspections.detail", permit_id=permit.id, request_id=request_id))
    form = CancelForm()
    if request.method == "GET":
        form.version.data = str(inspection_request.version)
    if form.validate_on_submit():
        try:
            requests.cancel_request(inspection_request, current_actor(), form.version.data)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The inspection was cancelled."), "success")
        return redirect(url_for("inspections.detail", permit_id=permit.id, request_id=request_id))
    return render_template(
        "inspections/cancel.html",
        permit=permit,
        inspection=inspection_request,
        form=form,
        late=requests.cancellation_is_late(inspection_request),
    )


@bp.route(
    "/permits/<int:permit_id>/inspections/<int:request_id>/reschedule", methods=["GET", "POST"]
)
@permit_party()
def reschedule(permit: Permit, request_id: int):
    inspection_request = _changeable_or_404(permit, request_id)
    if not inspection_request.is_open:
        flash(
            _(
                "This inspection is %(status)s, so it cannot be rescheduled. Request it again "
                "from the permit page if you still need it.",
                status=str(inspection_request.result_label).lower(),
            ),
            "error",
        )
        return redirect(url_for("inspections.detail", permit_id=permit.id, request_id=request_id))
    if requests.cancellation_is_late(inspection_request):
        flash(_("This inspection can no longer be rescheduled. You can still cancel it."), "error")
        return redirect(url_for("inspections.detail", permit_id=permit.id, request_id=request_id))
    form = RescheduleForm()
    if request.method == "GET":
        form.version.data = str(inspection_request.version)
        form.window.data = inspection_request.window.value
    if form.validate_on_submit():
        try:
            requests.reschedule_request(
                inspection_request, current_actor(), form.date_answers(), form.version.data
            )
        except DomainError as error:
            show_refusal(form, error)
            form.version.data = str(inspection_request.version)
        else:
            flash(_("Your new dates were sent to the department."), "success")
            return redirect(
                url_for("inspections.detail", permit_id=permit.id, request_id=request_id)
            )
    earliest = deadlines.earliest_inspection_day()
    form.limit_dates(earliest, deadlines.latest_inspection_day())
    return render_template(
        "inspections/reschedule.html",
        permit=permit,
        inspection=inspection_request,
        form=form,
        earliest=earliest,
    )


@bp.get("/permits/<int:permit_id>/inspections/<int:request_id>/photos/<int:photo_id>")
@permit_party()
def photo(permit: Permit, request_id: int, photo_id: int):
    found = db.session.scalar(
        db.select(InspectionPhoto)
        .join(InspectionPhoto.inspection_request)
        .where(
            InspectionPhoto.id == photo_id,
            InspectionPhoto.inspection_request_id == request_id,
            InspectionRequest.permit_id == permit.id,
        )
    )
    if found is None:
        abort(404)
    return send_stored(found.stored_file, found.filename)


# ---- staff ----------------------------------------------------------------------------------


@bp.get("/staff/inspections")
@staff
def queue():
    form = InspectionQueueForm.from_request()
    return render_template(
        "inspections/queue.html",
        form=form,
        page=inspection_queue(form),
        status=form.status_value,
    )


def _staff_request_or_404(request_id: int):
    inspection_request = requests.request_for_staff(request_id)
    if inspection_request is None:
        abort(404)
    return inspection_request


@bp.route("/staff/inspections/<int:request_id>/schedule", methods=["GET", "POST"])
@staff
def schedule(request_id: int):
    inspection_request = _staff_request_or_404(request_id)
    form = ScheduleForm()
    form.inspector.choices = [(0, _("Choose an inspector"))] + [
        (user.id, user.name) for user in scheduling.inspectors()
    ]
    if request.method == "GET":
        form.version.data = str(inspection_request.version)
        form.day.data = inspection_request.scheduled_date or inspection_request.preferred_date_1
        form.window.data = (inspection_request.scheduled_window or inspection_request.window).value
        form.inspector.data = inspection_request.inspector_id or 0
    if form.validate_on_submit():
        try:
            scheduling.schedule(
                inspection_request,
                current_actor(),
                day=form.day.data,
                window=Window(form.window.data),
                inspector_id=form.inspector.data,
                version=form.version.data,
            )
        except DomainError as error:
            show_refusal(form, error)
            form.version.data = str(inspection_request.version)
        else:
            flash(_("The inspection is scheduled and the applicant has been emailed."), "success")
            return redirect(url_for("inspections.queue"))
    return render_template(
        "inspections/schedule.html",
        inspection=inspection_request,
        permit=inspection_request.permit,
        form=form,
        capacity=settings.current().inspector_daily_capacity,
    )


@bp.route("/staff/inspections/<int:request_id>/result", methods=["GET", "POST"])
@staff
def result(request_id: int):
    inspection_request = _staff_request_or_404(request_id)
    choices = [(r.value, r.label) for r in inspection_request.inspection_type.results]
    if request.method == "POST" and oversize.too_large(request):
        # The typed result, deficiencies and remarks come back; only the photos are refused.
        form = ResultForm(formdata=oversize.fields_only(request))
        form.result.choices = choices
        form.photos.errors = [oversize.message()]
        return _result_page(inspection_request, form), 413
    form = ResultForm()
    form.result.choices = choices
    if request.method == "GET":
        form.version.data = str(inspection_request.version)
    if form.validate_on_submit():
        try:
            results.record_result(
                inspection_request,
                current_actor(),
                result=InspectionResult(form.result.data),
                remarks=form.remarks.data or "",
                orders=form.orders.data or "",
                deficiencies=form.deficiency_answers(),
                photos=form.uploads(),
                version=form.version.data,
            )
        except DomainError as error:
            show_refusal(form, error)
            if form.uploads():
                form.photos.errors = [
                    *form.photos.errors,
                    _("Choose the photos again: files are not kept when the form comes back."),
                ]
            form.version.data = str(inspection_request.version)
        else:
            flash(_("The result is recorded and the applicant has been emailed."), "success")
            return redirect(
                url_for(
                    "inspections.detail",
                    permit_id=inspection_request.permit_id,
                    request_id=inspection_request.id,
                )
            )
    return _result_page(inspection_request, form)


def _result_page(inspection_request, form, withdraw_form=None):
    recorded = inspection_request.status not in (
        InspectionStatus.SCHEDULED,
        InspectionStatus.REQUESTED,
    )
    if withdraw_form is None and inspection_request.status in results.WITHDRAWABLE:
        withdraw_form = WithdrawResultForm(
            formdata=None, data={"version": str(inspection_request.version)}
        )
    visit_day = inspection_request.scheduled_date
    return render_template(
        "inspections/result.html",
        inspection=inspection_request,
        permit=inspection_request.permit,
        form=withdraw_form if withdraw_form is not None and withdraw_form.errors else form,
        result_form=form,
        withdraw_form=withdraw_form,
        rows=range(1, DEFICIENCY_ROWS + 1),
        photo_types=images.PHOTO_ACCEPT,
        max_mb=current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024),
        recorded=recorded,
        too_early=bool(visit_day and calendar.local_today() < visit_day and not recorded),
    )


@bp.post("/staff/inspections/<int:request_id>/result/withdraw")
@staff
def withdraw_result(request_id: int):
    inspection_request = _staff_request_or_404(request_id)
    form = WithdrawResultForm()
    if form.validate_on_submit():
        try:
            results.withdraw_result(
                inspection_request,
                current_actor(),
                reason=form.reason.data or "",
                version=form.version.data,
            )
        except DomainError as error:
            show_refusal(form, error)
            form.version.data = str(inspection_request.version)
        else:
            flash(_("The result was withdrawn and the applicant has been emailed."), "success")
            return redirect(url_for("inspections.result", request_id=inspection_request.id))
    result_form = ResultForm(formdata=None)
    return _result_page(inspection_request, result_form, form)


@bp.get("/staff/inspections/day")
@staff
def day():
    inspectors = scheduling.inspectors()
    inspector_id = request.args.get("inspector", type=int)
    inspector = next((user for user in inspectors if user.id == inspector_id), None)
    try:
        chosen = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        chosen = calendar.local_today()
    visits = scheduling.day_list(inspector.id, chosen) if inspector else []
    return render_template(
        "inspections/day.html",
        inspectors=inspectors,
        inspector=inspector,
        day=chosen,
        visits=visits,
    )


@bp.route("/staff/permits/<int:permit_id>/required-inspections", methods=["GET", "POST"])
@staff
def required(permit_id: int):
    permit = db.get_or_404(Permit, permit_id)
    form = AddRequiredForm(prefix="add")
    form.inspection_type.choices = [(0, _("Choose an inspection"))] + [
        (t.id, f"{t.stage.label}: {t.name} ({t.bureau})") for t in catalogue.inspection_types()
    ]
    if form.validate_on_submit():
        try:
            catalogue.add_required(
                permit, form.inspection_type.data, form.reason.data, current_actor()
            )
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("The inspection was added to the permit's checklist."), "success")
            return redirect(url_for("inspections.required", permit_id=permit.id))
    return _required_page(permit, form)


def _required_page(permit, form, failed_id=None, failed_form=None):
    items = catalogue.required_inspections(permit.id)
    remove_forms = {
        item.id: failed_form
        if item.id == failed_id
        else RemoveRequiredForm(formdata=None, prefix=f"remove-{item.id}")
        for item in items
    }
    return render_template(
        "inspections/required.html",
        permit=permit,
        items=items,
        add_form=form,
        remove_forms=remove_forms,
        form=failed_form or form,
    )


@bp.post("/staff/permits/<int:permit_id>/required-inspections/<int:required_id>/remove")
@staff
def remove_required(permit_id: int, required_id: int):
    permit = db.get_or_404(Permit, permit_id)
    form = RemoveRequiredForm(prefix=f"remove-{required_id}")
    if form.validate_on_submit():
        try:
            catalogue.remove_required(permit, required_id, form.reason.data, current_actor())
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("The inspection was removed from the permit's checklist."), "success")
            return redirect(url_for("inspections.required", permit_id=permit.id))
    add_form = AddRequiredForm(formdata=None, prefix="add")
    add_form.inspection_type.choices = [(0, _("Choose an inspection"))] + [
        (t.id, f"{t.stage.label}: {t.name} ({t.bureau})") for t in catalogue.inspection_types()
    ]
    return _required_page(permit, add_form, required_id, form)


@bp.route(
    "/staff/permits/<int:permit_id>/required-inspections/<int:required_id>/agency-result",
    methods=["GET", "POST"],
)
@staff
def agency_result(permit_id: int, required_id: int):
    """Staff record the result an agency that books its own inspections reports."""
    permit = db.get_or_404(Permit, permit_id)
    required = catalogue.still_required(permit, required_id)
    if required is None or not requests.booked_by_agency(required):
        abort(404)
    form = AgencyResultForm()
    form.result.choices = [
        (r.value, r.label)
        for r in required.inspection_type.results
        if r != InspectionResult.CANCELLED
    ]
    if form.validate_on_submit():
        try:
            visit = results.record_agency_visit(
                permit,
                required,
                current_actor(),
                day=form.day.data,
                result=InspectionResult(form.result.data),
                remarks=form.remarks.data or "",
            )
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("The result is recorded and the applicant has been emailed."), "success")
            return redirect(url_for("inspections.detail", permit_id=permit.id, request_id=visit.id))
    return render_template(
        "inspections/agency_result.html", permit=permit, required=required, form=form
    )


@bp.get("/staff/inspections/export.csv")
@staff
def export_csv():
    """The old download link: the exports page, where the inspections export is created
    (an export job, permits.exports). A GET makes nothing."""
    return redirect(url_for("permits.exports", _anchor="inspections"))


# ---- admin: the catalogue ---------------------------------------------------------------------


@bp.get("/staff/inspection-types")
@admin
def types():
    return render_template("inspections/types.html", types=catalogue.inspection_types())


@bp.route("/staff/inspection-types/<int:type_id>", methods=["GET", "POST"])
@admin
def edit_type(type_id: int):
    inspection_type = db.get_or_404(InspectionType, type_id)
    form = InspectionTypeForm(obj=inspection_type if request.method == "GET" else None)
    form.agency_id.choices = [(0, _("Choose the inspecting agency"))] + [
        (agency.id, agency.name) for agency in settings.agencies()
    ]
    if form.validate_on_submit():
        try:
            catalogue.update_type(inspection_type, form.answers(), current_actor())
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("%(name)s was saved.", name=inspection_type.name), "success")
            return redirect(url_for("inspections.types"))
    return render_template("inspections/type_edit.html", form=form, inspection_type=inspection_type)
