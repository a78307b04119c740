"""Admin settings: the working rules, the contact details, the certificate's seal, holidays,
the fee schedule, the BLDS permit types and the inspecting agencies. Thin views over
portal.settings (services, contact, seal, permit_types) and payments' fee schedule, which
check and audit every change."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _

from portal import calendar
from portal.access import admin, current_actor
from portal.admin.settings_forms import (
    AgencyForm,
    ContactForm,
    HolidayForm,
    PermitTypeForm,
    PlaceholderSealForm,
    ScheduleFields,
    ScheduleForm,
    SealForm,
    SettingsForm,
)
from portal.documents.store import RejectedUpload, send_stored
from portal.errors import DomainError, StaleRecord
from portal.extensions import db
from portal.forms import STALE_FORM_MESSAGE, ActionForm, show_refusal
from portal.payments import fee_schedule
from portal.payments.models import FeeKind, FeeSchedule
from portal.permits import export
from portal.queues import page_number
from portal.settings import contact, permit_types, seal, services
from portal.settings.models import Holiday, InspectingAgency
from portal.template_helpers import long_date

# The admin's settings pages keep their own blueprint (endpoints settings.*); they live in
# admin/ because they edit rules of several features (settings, holidays, payments' fees).
bp = Blueprint("settings", __name__, url_prefix="/staff/settings")


def _settings_form() -> SettingsForm:
    settings = services.current()
    data = {name: getattr(settings, name) for name in services.FIELDS}
    return SettingsForm(formdata=None, data={**data, "version": services.shown_version(settings)})


@bp.route("", methods=["GET", "POST"])
@admin
def index():
    if request.method == "GET":
        form = _settings_form()
    else:
        form = SettingsForm()
        if form.validate_on_submit():
            try:
                services.save(form.answers(), current_actor(), form.version.data)
            except StaleRecord as error:
                flash(error.message, "error")
                return redirect(url_for("settings.index"))
            except DomainError as error:
                show_refusal(form, error)
            else:
                flash(_("The settings are saved and apply from now on."), "success")
                return redirect(url_for("settings.index"))
    return render_template("settings/index.html", form=form, agencies=services.agencies())


@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
@admin
def agency(agency_id: int):
    """An inspecting agency's name and the contact details applicants see."""
    found = db.get_or_404(InspectingAgency, agency_id)
    if request.method == "GET":
        form = AgencyForm(formdata=None, obj=found)
        form.version.data = str(found.version)
    else:
        form = AgencyForm()
        if form.validate_on_submit():
            try:
                services.save_agency(found, form.answers(), current_actor(), form.version.data)
            except StaleRecord as error:
                flash(error.message, "error")
                return redirect(url_for("settings.agency", agency_id=agency_id))
            except DomainError as error:
                show_refusal(form, error)
            else:
                flash(_("%(name)s was saved.", name=found.name), "success")
                return redirect(url_for("settings.index", _anchor="agencies"))
    return render_template("settings/agency.html", form=form, agency=found)


# ---- the department's contact details -------------------------------------------------------


@bp.route("/contact", methods=["GET", "POST"])
@admin
def contact_details():
    if request.method == "GET":
        details = contact.current()
        data = {name: getattr(details, name) for name in contact.FIELDS}
        form = ContactForm(formdata=None, data={**data, "version": services.shown_version(details)})
    else:
        form = ContactForm()
        if form.validate_on_submit():
            try:
                contact.save(form.answers(), current_actor(), form.version.data)
            except StaleRecord as error:
                flash(error.message, "error")
                return redirect(url_for("settings.contact_details"))
            except DomainError as error:
                show_refusal(form, error)
            else:
                flash(_("The contact details are saved: the help page shows them now."), "success")
                return redirect(url_for("settings.contact_details"))
    return render_template("settings/contact.html", form=form)


# ---- the seal the certificates print ---------------------------------------------------------


def _seal_page(form: SealForm, status: int = 200):
    details = contact.current()
    version = services.shown_version(details)
    return (
        render_template(
            "settings/seal.html",
            form=form,
            version=version,
            uploaded=details.seal_file is not None,
        ),
        status,
    )


@bp.route("/seal", methods=["GET", "POST"])
@admin
def seal_page():
    if request.method == "GET":
        version = services.shown_version(contact.current())
        return _seal_page(SealForm(formdata=None, data={"version": version}))
    form = SealForm()
    if form.validate_on_submit():
        try:
            seal.replace(form.seal.data, current_actor(), form.version.data)
        except StaleRecord as error:
            flash(error.message, "error")
            return redirect(url_for("settings.seal_page"))
        except RejectedUpload as error:
            form.seal.errors = [*form.seal.errors, error.message]
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("The seal is saved: certificates issued from now on print it."), "success")
            return redirect(url_for("settings.seal_page"))
    return _seal_page(form)


@bp.get("/seal/image")
@admin
def seal_image():
    """The seal in use (the upload, else the placeholder), for the settings page's preview."""
    details = contact.current()
    if details.seal_file is None:
        return send_from_directory(str(current_app.static_folder), seal.PLACEHOLDER)
    return send_stored(details.seal_file, "seal")


@bp.post("/seal/placeholder")
@admin
def seal_placeholder():
    form = PlaceholderSealForm()
    if not form.validate_on_submit():
        flash(STALE_FORM_MESSAGE, "error")
        return redirect(url_for("settings.seal_page"))
    try:
        seal.use_placeholder(current_actor(), form.version.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Certificates issued from now on print the placeholder seal."), "success")
    return redirect(url_for("settings.seal_page"))


# ---- holidays -------------------------------------------------------------------------------


def _holidays_page(form: HolidayForm):
    today = calendar.local_today()
    return render_template(
        "settings/holidays.html",
        form=form,
        upcoming=services.upcoming_holidays(today),
        past=services.past_holidays(today, page_number(), current_app.config["PAGE_SIZE"]),
    )


@bp.route("/holidays", methods=["GET", "POST"])
@admin
def holidays():
    if request.method == "GET":
        return _holidays_page(HolidayForm(formdata=None))
    form = HolidayForm()
    if form.validate_on_submit():
        try:
            holiday = services.add_holiday(current_actor(), form.day.data, form.name.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(
                _(
                    "%(name)s on %(day)s is a holiday now: inspections cannot be requested "
                    "or scheduled that day.",
                    name=holiday.name,
                    day=long_date(holiday.day),
                ),
                "success",
            )
            return redirect(url_for("settings.holidays"))
    return _holidays_page(form)


@bp.post("/holidays/<int:holiday_id>/remove")
@admin
def remove_holiday(holiday_id: int):
    holiday = db.session.get(Holiday, holiday_id)
    if holiday is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        flash(STALE_FORM_MESSAGE, "error")
        return redirect(url_for("settings.holidays"))
    name, day = holiday.name, long_date(holiday.day)
    try:
        services.remove_holiday(holiday, current_actor())
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("%(name)s on %(day)s is no longer a holiday.", name=name, day=day), "success")
    return redirect(url_for("settings.holidays"))


# ---- the fee schedule -----------------------------------------------------------------------


def _prefilled_schedule_form() -> ScheduleFields:
    """The amounts in force, so an admin changes only what changes."""
    in_force = fee_schedule.amounts_on(calendar.local_today())
    data: dict[str, int | str] = {}
    for kind, entry in in_force.items():
        data[f"amount_{kind.value}"] = entry.amount_cents
        data[f"authority_{kind.value}"] = entry.authority
    return ScheduleForm(formdata=None, data=data)


def _fees_page(form):
    today = calendar.local_today()
    in_force = fee_schedule.amounts_on(today)
    return render_template(
        "settings/fees.html",
        form=form,
        kinds=list(FeeKind),
        in_force=fee_schedule.schedule_in_force(today),
        current_amounts=[(kind, in_force.get(kind)) for kind in FeeKind],
        future=fee_schedule.future_schedules(today),
        rows=fee_schedule.rows,
    )


@bp.route("/fees", methods=["GET", "POST"])
@admin
def fees():
    if request.method == "GET":
        return _fees_page(_prefilled_schedule_form())
    form = ScheduleForm()
    if form.validate_on_submit():
        try:
            schedule = fee_schedule.add_schedule(
                current_actor(),
                name=form.name.data,
                effective_from=form.effective_from.data,
                amounts=form.amounts(),
            )
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(
                _(
                    "The fee schedule %(name)s comes into force on %(day)s.",
                    name=schedule.name,
                    day=long_date(schedule.effective_from),
                ),
                "success",
            )
            return redirect(url_for("settings.fees"))
    return _fees_page(form)


@bp.post("/fees/<int:schedule_id>/remove")
@admin
def remove_schedule(schedule_id: int):
    schedule = db.session.get(FeeSchedule, schedule_id)
    if schedule is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        flash(STALE_FORM_MESSAGE, "error")
        return redirect(url_for("settings.fees"))
    name = schedule.name
    try:
        fee_schedule.remove_schedule(schedule, current_actor())
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("The fee schedule %(name)s is removed.", name=name), "success")
    return redirect(url_for("settings.fees"))


# ---- BLDS permit types ----------------------------------------------------------------------


def _permit_types_page(form: PermitTypeForm):
    return render_template(
        "settings/permit_types.html",
        form=form,
        mappings=permit_types.mappings(),
        unmapped=export.unmapped_permit_types(),
    )


@bp.route("/permit-types", methods=["GET", "POST"])
@admin
def permit_types_page():
    if request.method == "GET":
        return _permit_types_page(PermitTypeForm(formdata=None))
    form = PermitTypeForm()
    if form.validate_on_submit():
        try:
            row = permit_types.save(
                current_actor(), form.permit_type.data, form.blds_type.data, form.description.data
            )
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(
                _(
                    "Permits of type %(type)s now export as %(blds)s.",
                    type=row.permit_type,
                    blds=row.blds_type,
                ),
                "success",
            )
            return redirect(url_for("settings.permit_types_page"))
    return _permit_types_page(form)
