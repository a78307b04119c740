"""The requirement check, the applicant's C of O application and the staff review page."""

from collections.abc import Callable

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
from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.access import public, staff
from portal.applications import review as staff_review
from portal.applications import services
from portal.applications.forms import (
    AttestationsForm,
    BuildingForm,
    ContactForm,
    DecisionForm,
    DocumentForm,
    RequirementCheckForm,
    SubmitForm,
    VersionedActionForm,
)
from portal.applications.models import (
    CLOSED_STATES,
    ApplicationContact,
    ApplicationDocument,
    ApplicationStatus,
    CofOApplication,
    DocumentType,
)
from portal.applications.queue import ApplicationQueueForm, application_queue
from portal.applications.requirement import SOURCE, requirement
from portal.documents import images, oversize
from portal.documents.store import send_stored
from portal.errors import DomainError, StaleRecord
from portal.extensions import db
from portal.forms import ActionForm
from portal.permits.access import permit_party
from portal.permits.models import PartyRole, Permit

bp = Blueprint("applications", __name__)

EDITORS = (PartyRole.OWNER, PartyRole.AGENT)
# Only the owner or an agent edits the application; staff review it but never fill it in.
editor_access = permit_party(*EDITORS, staff_allowed=False)


# ---- the public requirement check ---------------------------------------------------------


@bp.get("/do-i-need-a-certificate")
@public
def requirement_check():
    answered = bool(request.args) and "change" not in request.args
    form = RequirementCheckForm(formdata=request.args if request.args else None)
    if answered and form.validate():
        groups = [group for group in form.groups.data if group != "none"]
        result = requirement(
            form.units.data,
            form.non_residential_sq_ft.data,
            form.change_of_occupancy.data == "yes",
            groups,
            form.assembly_people.data or 0,
            space_work=form.space_work.data == "yes",
        )
        change_args = {**request.args.to_dict(flat=False), "change": "1"}
        return render_template(
            "applications/requirement_result.html",
            result=result,
            source=SOURCE,
            answers=form,
            change_url=url_for("applications.requirement_check", **change_args),
        )
    return render_template("applications/requirement_check.html", form=form)


# ---- the application: helpers -------------------------------------------------------------


def _is_editor(permit) -> bool:
    return any(
        party.user_id == current_user.id and party.role in EDITORS for party in permit.parties
    )


def _open_application(permit) -> CofOApplication:
    application = services.open_application(permit)
    if application is None:
        abort(404)
    return application


def _refuse_not_editable(permit):
    flash(str(services.NOT_EDITABLE_MESSAGE), "error")
    return redirect(url_for("applications.overview", permit_id=permit.id))


def _next_or_overview(permit, form, next_endpoint: str):
    if form.completing:
        return redirect(url_for(next_endpoint, permit_id=permit.id))
    flash(_("Your answers are saved. You can come back to them at any time."), "success")
    return redirect(url_for("applications.overview", permit_id=permit.id))


# ---- the application: task list and sections ---------------------------------------------


@bp.get("/permits/<int:permit_id>/application")
@permit_party()
def overview(permit):
    application = services.latest_application(permit)
    can_edit = _is_editor(permit)
    context = {"permit": permit, "application": application, "can_edit": can_edit}
    if application is not None:
        context.update(
            statuses=services.section_statuses(application),
            sections=services.SECTIONS,
            verdict=services.requirement_for(application),
        )
    can_start = can_edit and (application is None or application.status in CLOSED_STATES)
    return render_template(
        "applications/overview.html",
        start_form=ActionForm() if can_start else None,
        **context,
    )


@bp.post("/permits/<int:permit_id>/application/start")
@editor_access
def start(permit):
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.start(permit, current_user)
        except DomainError as error:
            flash(error.message, "error")
    else:
        flash(_("Your session ended. Please try again."), "error")
    return redirect(url_for("applications.overview", permit_id=permit.id))


@bp.route("/permits/<int:permit_id>/application/building", methods=["GET", "POST"])
@editor_access
def building(permit):
    application = _open_application(permit)
    if not application.is_editable:
        return _refuse_not_editable(permit)
    form = BuildingForm() if request.method == "POST" else BuildingForm.for_application(application)
    if form.validate_on_submit():
        try:
            services.save_building(application, form.answers(), current_user)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("applications.overview", permit_id=permit.id))
        else:
            return _next_or_overview(permit, form, "applications.contacts")
    return render_template(
        "applications/building.html", permit=permit, application=application, form=form
    )


# Where each button of the "add another" pages goes once what is on the form is saved.
AFTER_SAVING = {
    "contacts": {"continue": "applications.documents", "later": "applications.overview"},
    "documents": {"continue": "applications.attestations", "later": "applications.overview"},
}


def _leaving_to(section: str) -> str | None:
    """The page a "Save and continue" / "come back later" button leads to; None to stay."""
    return AFTER_SAVING[section].get(request.form.get("save", ""))


def _contacts_page(permit, application, form):
    return render_template(
        "applications/contacts.html",
        permit=permit,
        application=application,
        form=form,
        missing=services.missing_contacts(application.contacts),
        me=services.own_contact(application, current_user),
    )


@bp.route("/permits/<int:permit_id>/application/contacts", methods=["GET", "POST"])
@editor_access
def contacts(permit):
    """GOV.UK "add another": every button saves a filled form; an empty one just moves on."""
    application = _open_application(permit)
    if not application.is_editable:
        return _refuse_not_editable(permit)
    form = ContactForm()
    leaving_to = _leaving_to("contacts")
    if request.method == "POST":
        valid = form.validate()
        if leaving_to and form.is_blank() and not form.csrf_token.errors:
            return redirect(url_for(leaving_to, permit_id=permit.id))
        if valid:
            try:
                services.add_contact(application, form.answers(), current_user)
            except DomainError as error:
                flash(error.message, "error")
                return redirect(url_for("applications.overview", permit_id=permit.id))
            flash(_("Contact added: %(name)s.", name=form.answers()["name"]), "success")
            target = leaving_to or "applications.contacts"
            return redirect(url_for(target, permit_id=permit.id))
    return _contacts_page(permit, application, form)


@bp.post("/permits/<int:permit_id>/application/contacts/add-me")
@editor_access
def add_me(permit):
    application = _open_application(permit)
    if not application.is_editable:
        return _refuse_not_editable(permit)
    form = ActionForm()
    me = services.own_contact(application, current_user)
    if not form.validate_on_submit():
        flash(_("Your session ended. Please try again."), "error")
    elif me is None:
        flash(_("You are already a contact on this application."), "info")
    else:
        try:
            services.add_contact(application, me, current_user)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("applications.overview", permit_id=permit.id))
        flash(_("Contact added: %(name)s.", name=me["name"]), "success")
    return redirect(url_for("applications.contacts", permit_id=permit.id))


def _contact_or_404(application, contact_id: int) -> ApplicationContact:
    contact = next((c for c in application.contacts if c.id == contact_id), None)
    if contact is None:
        abort(404)
    return contact


@bp.route(
    "/permits/<int:permit_id>/application/contacts/<int:contact_id>",
    methods=["GET", "POST"],
)
@editor_access
def edit_contact(permit, contact_id: int):
    application = _open_application(permit)
    contact = _contact_or_404(application, contact_id)
    if not application.is_editable:
        return _refuse_not_editable(permit)
    form = ContactForm() if request.method == "POST" else ContactForm(obj=contact)
    if request.method == "GET":
        form.role.data = contact.role.value
    if form.validate_on_submit():
        try:
            services.update_contact(application, contact, form.answers(), current_user)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("applications.overview", permit_id=permit.id))
        else:
            flash(_("Contact updated."), "success")
            return redirect(url_for("applications.contacts", permit_id=permit.id))
    return render_template(
        "applications/contact_edit.html",
        permit=permit,
        application=application,
        contact=contact,
        form=form,
    )


@bp.post("/permits/<int:permit_id>/application/contacts/<int:contact_id>/remove")
@editor_access
def remove_contact(permit, contact_id: int):
    application = _open_application(permit)
    contact = _contact_or_404(application, contact_id)
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("Your session ended. Please try again."), "error")
    else:
        try:
            services.remove_contact(application, contact, current_user)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("applications.overview", permit_id=permit.id))
        flash(_("Contact removed."), "success")
    return redirect(url_for("applications.contacts", permit_id=permit.id))


def _documents_page(permit, application, form, status: int = 200):
    return (
        render_template(
            "applications/documents.html",
            permit=permit,
            application=application,
            form=form,
            max_mb=current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024),
            document_types=images.DOCUMENT_ACCEPT,
        ),
        status,
    )


@bp.route("/permits/<int:permit_id>/application/documents", methods=["GET", "POST"])
@editor_access
def documents(permit):
    """GOV.UK "add another", as contacts: every button uploads the chosen files first."""
    application = _open_application(permit)
    if not application.is_editable:
        return _refuse_not_editable(permit)
    if request.method == "POST" and oversize.too_large(request):
        form = DocumentForm.for_application(application, formdata=oversize.fields_only(request))
        form.file.errors = [oversize.message()]
        return _documents_page(permit, application, form, 413)
    form = DocumentForm.for_application(application)
    leaving_to = _leaving_to("documents")
    if request.method == "POST":
        valid = form.validate()
        if leaving_to and form.is_blank() and not form.csrf_token.errors:
            return redirect(url_for(leaving_to, permit_id=permit.id))
        if valid:
            replaces = next(
                (d for d in application.documents if str(d.id) == form.replaces.data), None
            )
            done = 0
            for upload in form.file.data:
                try:
                    services.add_document(
                        application,
                        upload,
                        DocumentType(form.document_type.data),
                        current_user,
                        replaces=replaces,
                    )
                except DomainError as error:
                    form.file.errors.append(oversize.naming(upload, error.message))
                else:
                    done += 1
            if done:
                flash(
                    ngettext("%(num)s document uploaded.", "%(num)s documents uploaded.", done),
                    "success",
                )
            if not form.file.errors:
                target = leaving_to or "applications.documents"
                return redirect(url_for(target, permit_id=permit.id))
    return _documents_page(permit, application, form)


def _document_or_404(permit, document_id: int) -> ApplicationDocument:
    document = db.session.scalar(
        select(ApplicationDocument)
        .join(CofOApplication)
        .where(ApplicationDocument.id == document_id, CofOApplication.permit_id == permit.id)
    )
    if document is None:
        abort(404)
    return document


@bp.get("/permits/<int:permit_id>/application/documents/<int:document_id>")
@permit_party()
def download_document(permit, document_id: int):
    document = _document_or_404(permit, document_id)
    return send_stored(document.stored_file, document.filename)


@bp.post("/permits/<int:permit_id>/application/documents/<int:document_id>/remove")
@editor_access
def remove_document(permit, document_id: int):
    application = _open_application(permit)
    document = next((d for d in application.documents if d.id == document_id), None)
    if document is None:
        abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("Your session ended. Please try again."), "error")
    else:
        try:
            services.remove_document(application, document, current_user)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("applications.overview", permit_id=permit.id))
        flash(_("Document removed."), "success")
    return redirect(url_for("applications.documents", permit_id=permit.id))


@bp.route("/permits/<int:permit_id>/application/attestations", methods=["GET", "POST"])
@editor_access
def attestations(permit):
    application = _open_application(permit)
    if not application.is_editable:
        return _refuse_not_editable(permit)
    form = (
        AttestationsForm()
        if request.method == "POST"
        else AttestationsForm(
            data={name: getattr(application, name) for name in services.ATTESTATION_FIELDS}
        )
    )
    if form.validate_on_submit():
        try:
            services.save_attestations(application, form.answers(), current_user)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("applications.overview", permit_id=permit.id))
        else:
            return _next_or_overview(permit, form, "applications.check_answers")
    return render_template(
        "applications/attestations.html", permit=permit, application=application, form=form
    )


# ---- check your answers, submit, confirmation ---------------------------------------------


def _check_page(permit, application, form):
    return render_template(
        "applications/check_answers.html",
        permit=permit,
        application=application,
        form=form,
        problems=services.section_problems(application),
        sections=services.SECTIONS,
        verdict=services.requirement_for(application),
    )


@bp.get("/permits/<int:permit_id>/application/check")
@editor_access
def check_answers(permit):
    application = _open_application(permit)
    if not application.is_editable:
        return _show_confirmation_or_refuse(permit, application)
    return _check_page(permit, application, SubmitForm())


def _show_confirmation_or_refuse(permit, application):
    if application.confirmation_number:
        return redirect(url_for("applications.confirmation", permit_id=permit.id))
    return _refuse_not_editable(permit)


@bp.post("/permits/<int:permit_id>/application/submit")
@editor_access
def submit(permit):
    application = _open_application(permit)
    form = SubmitForm()
    if not form.validate_on_submit():
        return _check_page(permit, application, form)
    if not application.is_editable:
        # A second click, or a second tab: the first submission stands.
        return _show_confirmation_or_refuse(permit, application)
    resubmitting = application.status == ApplicationStatus.INFORMATION_REQUESTED
    try:
        if resubmitting:
            services.resubmit(application, current_user, form.reply.data or "")
        else:
            services.submit(application, current_user)
    except StaleRecord:
        application = _open_application(permit)
        if not application.is_editable:
            return _show_confirmation_or_refuse(permit, application)
        flash(str(services.STALE_MESSAGE), "error")
        return redirect(url_for("applications.check_answers", permit_id=permit.id))
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("applications.check_answers", permit_id=permit.id))
    return redirect(url_for("applications.confirmation", permit_id=permit.id))


@bp.get("/permits/<int:permit_id>/application/confirmation")
@permit_party()
def confirmation(permit):
    application = services.latest_application(permit)
    if application is None or not application.confirmation_number:
        return redirect(url_for("applications.overview", permit_id=permit.id))
    return render_template("applications/confirmation.html", permit=permit, application=application)


# ---- staff review -------------------------------------------------------------------------

# The service that records each decision, and what the reviewer is told once it is done.
DECISION_SERVICES: dict[str, tuple[Callable[..., object], LazyString]] = {
    "accept": (staff_review.accept, _l("Application accepted.")),
    "request-information": (
        staff_review.request_information,
        _l("Information requested from the applicant."),
    ),
    "reject": (staff_review.reject, _l("Application rejected.")),
    "not-applicable": (staff_review.mark_not_applicable, _l("Application marked not applicable.")),
}


def _application_for_review(application_id: int) -> CofOApplication:
    application = db.session.scalar(
        select(CofOApplication)
        .where(CofOApplication.id == application_id)
        .options(
            joinedload(CofOApplication.permit).selectinload(Permit.parties),
            selectinload(CofOApplication.contacts),
            selectinload(CofOApplication.documents),
            selectinload(CofOApplication.document_history),
        )
    )
    if application is None:
        abort(404)
    return application


def _can(application):
    return lambda status: services.APPLICATION_TRANSITIONS.can(application.status, status)


def _review_page(application, form=None):
    """The review page; `form` is a decision form posted with errors, or sent back to change."""
    start_form = VersionedActionForm(formdata=None, prefix="start")
    start_form.version.data = str(application.version)
    form = form or DecisionForm.for_application(application, formdata=None)
    form.offer_only(_can(application))
    return render_template(
        "applications/review.html",
        application=application,
        permit=application.permit,
        form=form,
        start_form=start_form,
        can=_can(application),
        statuses=ApplicationStatus,
        verdict=services.requirement_for(application),
        changes=staff_review.document_changes(application),
    )


@bp.get("/staff/applications")
@staff
def queue():
    form = ApplicationQueueForm.from_request()
    return render_template("applications/queue.html", form=form, page=application_queue(form))


@bp.get("/staff/applications/<int:application_id>")
@staff
def review(application_id: int):
    return _review_page(_application_for_review(application_id))


def _recorded(application_id: int, service, args: tuple, done) -> object:
    try:
        service(*args)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(str(done), "success")
    return redirect(url_for("applications.review", application_id=application_id))


@bp.post("/staff/applications/<int:application_id>/start-review")
@staff
def start_review(application_id: int):
    application = _application_for_review(application_id)
    form = VersionedActionForm(prefix="start")
    if not form.validate_on_submit():
        # A button with nothing typed: nothing is lost by going back to the page.
        flash(_("Your session ended. Please try again."), "error")
        return redirect(url_for("applications.review", application_id=application_id))
    args = (application, current_user, form.version.data)
    return _recorded(application_id, staff_review.start_review, args, _l("Review started."))


@bp.post("/staff/applications/<int:application_id>/decision")
@staff
def decide(application_id: int):
    """One form for every decision; rejecting and not applicable are confirmed first."""
    application = _application_for_review(application_id)
    form = DecisionForm.for_application(application)
    if not form.validate_on_submit() or request.form.get("change"):
        return _review_page(application, form)
    if form.closes and not form.confirmed:
        return render_template(
            "applications/confirm_decision.html",
            application=application,
            permit=application.permit,
            form=form,
            verdict=services.requirement_for(application),
        )
    service, done = DECISION_SERVICES[form.decision.data]
    args: tuple[object, ...] = (application, current_user, form.version.data)
    if form.decision.data != "accept":
        args += (form.message.data,)
    return _recorded(application_id, service, args, done)
