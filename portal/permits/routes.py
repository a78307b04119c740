"""Permits: the applicant's home, claiming, the permit page, invitations, parties, import."""

from flask import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import admin, current_actor, public, signed_in, staff
from portal.documents.store import StoredFileMissing, send_stored, upload_name
from portal.errors import DomainError
from portal.extensions import db, limiter
from portal.forms import STALE_FORM_MESSAGE, ActionForm
from portal.permits import exports as data_exports
from portal.permits import imports, invitations, public_status, services
from portal.permits.access import permit_party
from portal.permits.forms import (
    AddPartyForm,
    ClaimForm,
    ImportForm,
    InspectionExportForm,
    InviteForm,
    PermitExportForm,
    StatusSearchForm,
)
from portal.permits.home import applicant_home
from portal.permits.models import (
    DataExport,
    ExportStatus,
    PartyRole,
    Permit,
    PermitImport,
    PermitStatus,
    Trade,
)
from portal.queues import page_number

# No url_prefix: the staff's permit pages live under /staff/ with the rest of the staff side.
bp = Blueprint("permits", __name__)

# Guessing access codes: only failed claims count, per account and per address.
CLAIMS_PER_ACCOUNT = "10 per hour"
CLAIMS_PER_ADDRESS = "20 per hour"
# Anonymous status lookups, per address and shared by the search and the permit pages:
# enough for a person checking a few permits, too few to copy the permit register.
STATUS_LOOKUPS = "30 per minute"


def _claim_failed(response) -> bool:
    return bool(g.get("claim_failed"))


def _claiming_account() -> str:
    # The account's id, not its session token, which signing out and in again rotates.
    return f"claim-user:{getattr(current_user, 'id', 'anonymous')}"


@bp.get("/permits/")
@signed_in
def home():
    if current_user.is_staff:
        return redirect(url_for("admin.staff_home"))
    page = applicant_home(current_actor(), page_number())
    return render_template("permits/home.html", pagination=page, rows=page.rows)


@bp.route("/permits/claim", methods=["GET", "POST"])
@signed_in
@limiter.limit(
    CLAIMS_PER_ACCOUNT, key_func=_claiming_account, methods=["POST"], deduct_when=_claim_failed
)
@limiter.limit(CLAIMS_PER_ADDRESS, methods=["POST"], deduct_when=_claim_failed)
def claim():
    form = ClaimForm()
    verified = current_user.email_verified
    if request.method == "POST":
        g.claim_failed = True
    if verified and form.validate_on_submit():
        try:
            permit = services.claim_permit(
                current_actor(), form.permit_number.data, form.access_code.data
            )
        except DomainError as error:
            form.permit_number.errors.append(error.message)
        else:
            g.claim_failed = False
            flash(
                _("You are now the owner of permit %(num)s on the portal.", num=permit.permit_num),
                "success",
            )
            return redirect(url_for("permits.permit", permit_id=permit.id))
    return render_template("permits/claim.html", form=form, verified=verified)


@bp.get("/status")
@public
@limiter.shared_limit(STATUS_LOOKUPS, scope="status")
def status_search():
    form = StatusSearchForm(request.args)
    # Opening the page without a query shows the box, not an error.
    if "q" not in request.args or not form.validate():
        return render_template("permits/status_search.html", form=form, result=None)
    result = public_status.lookup(form.q.data)
    if result.found is not None:
        return redirect(url_for("permits.status", permit_number=result.found.number))
    status = 200 if result.matches else 404
    return render_template("permits/status_search.html", form=form, result=result), status


@bp.get("/status/<permit_number>")
@public
@limiter.shared_limit(STATUS_LOOKUPS, scope="status")
def status(permit_number: str):
    page = public_status.public_page(permit_number)
    if page is None:
        shown = public_status.printable(permit_number)[: public_status.MAX_QUERY]
        form = StatusSearchForm(formdata=None, q=shown)
        result = public_status.Lookup(form.q.data, "number")
        return render_template("permits/status_search.html", form=form, result=result), 404
    return render_template("permits/status.html", page=page)


@bp.get("/permits/<int:permit_id>")
@permit_party()
def permit(permit: Permit):
    page = services.permit_page(permit, current_actor())
    return render_template(
        "permits/permit.html",
        page=page,
        permit=permit,
    )


@bp.get("/permits/<int:permit_id>/timeline")
@permit_party()
def timeline(permit: Permit):
    pagination = services.timeline_page(permit, page_number())
    return render_template("permits/timeline.html", permit=permit, pagination=pagination)


@bp.route("/permits/<int:permit_id>/invitations/new", methods=["GET", "POST"])
@permit_party(PartyRole.OWNER, staff_allowed=False)
def invite(permit: Permit):
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation = invitations.invite_party(
                permit,
                current_actor(),
                email=form.email.data,
                role=PartyRole(form.role.data),
                trade=form.trade.data or "",
                license_number=form.license_number.data or "",
            )
        except DomainError as error:
            form.email.errors.append(error.message)
        else:
            flash(_("We emailed an invitation to %(email)s.", email=invitation.email), "success")
            return redirect(url_for("permits.permit", permit_id=permit.id))
    return render_template("permits/invite.html", form=form, permit=permit)


@bp.post("/permits/<int:permit_id>/invitations/<int:invitation_id>/revoke")
@permit_party(PartyRole.OWNER)
def revoke_invitation(permit: Permit, invitation_id: int):
    if not ActionForm().validate_on_submit():
        flash(STALE_FORM_MESSAGE, "error")
    else:
        try:
            invitation = invitations.revoke_invitation(permit, invitation_id, current_actor())
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(
                _("The invitation to %(email)s was withdrawn.", email=invitation.email), "success"
            )
    return redirect(url_for("permits.permit", permit_id=permit.id))


@bp.post("/permits/<int:permit_id>/parties/<int:party_id>/remove")
@permit_party(PartyRole.OWNER)
def remove_party(permit: Permit, party_id: int):
    if not ActionForm().validate_on_submit():
        flash(STALE_FORM_MESSAGE, "error")
    else:
        try:
            services.remove_party(permit, party_id, current_actor())
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("They no longer have access to this permit."), "success")
    return redirect(url_for("permits.permit", permit_id=permit.id))


@bp.route("/permits/<int:permit_id>/parties/new", methods=["GET", "POST"])
@staff
def add_party(permit_id: int):
    permit = db.get_or_404(Permit, permit_id)
    form = AddPartyForm()
    if form.validate_on_submit():
        try:
            services.add_party_by_staff(
                permit,
                current_actor(),
                email=form.email.data,
                role=PartyRole(form.role.data),
                trade=form.trade.data or "",
                license_number=form.license_number.data or "",
            )
        except DomainError as error:
            form.email.errors.append(error.message)
        else:
            flash(_("%(email)s now has access to this permit.", email=form.email.data), "success")
            return redirect(url_for("permits.permit", permit_id=permit.id))
    return render_template("permits/add_party.html", form=form, permit=permit)


@bp.get("/permits/invitations/<token>")
@public
def invitation(token: str):
    try:
        invitation = invitations.invitation_from_token(token)
    except invitations.InvitationProblem as error:
        return render_template("permits/invitation_problem.html", message=error.message), 410
    if not current_user.is_authenticated:
        return render_template("permits/invitation_sign_in.html", invitation=invitation)
    already = services.existing_party(invitation.permit_id, current_user)
    return render_template(
        "permits/invitation.html",
        invitation=invitation,
        permit=invitation.permit,
        already=already,
        form=ActionForm(),
    )


@bp.post("/permits/invitations/<token>")
@signed_in
def accept_invitation(token: str):
    try:
        invitation = invitations.invitation_from_token(token)
    except invitations.InvitationProblem as error:
        return render_template("permits/invitation_problem.html", message=error.message), 410
    form = ActionForm()
    if form.validate_on_submit():
        try:
            invitations.accept_invitation(invitation, current_actor())
        except invitations.InvitationProblem as error:
            # Used or withdrawn since the page was loaded: another account got there first.
            return render_template("permits/invitation_problem.html", message=error.message), 410
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(
                _("You now have access to permit %(num)s.", num=invitation.permit.permit_num),
                "success",
            )
            return redirect(url_for("permits.permit", permit_id=invitation.permit_id))
    return render_template(
        "permits/invitation.html",
        invitation=invitation,
        permit=invitation.permit,
        already=services.existing_party(invitation.permit_id, current_user),
        form=form,
    )


@bp.route("/permits/import", methods=["GET", "POST"])
@admin
def import_permits():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            record = imports.start(
                upload.stream, filename=upload_name(upload, ""), actor=current_actor()
            )
        except DomainError as error:
            form.file.errors.append(error.message)
        else:
            return redirect(url_for("permits.import_status", import_id=record.id))
    return render_template(
        "permits/import.html",
        form=form,
        recent=imports.recent(),
        trades=[trade.value for trade in Trade],
    )


@bp.get("/permits/imports/<int:import_id>")
@admin
def import_status(import_id: int):
    record = db.get_or_404(PermitImport, import_id)
    return render_template("permits/import_status.html", record=record, failures=imports.FAILURES)


# ---- staff: open-data exports -----------------------------------------------------------------


def _exports_page(form, permits_form=None, inspections_form=None, nothing: bool = False):
    """The exports page; `form` is the form posted (the one the title and error summary
    speak of), or the permits' form."""
    permits_form = permits_form or form
    chosen = permits_form.status.data if nothing else None
    return render_template(
        "permits/exports.html",
        form=form,
        permits_form=permits_form,
        inspections_form=inspections_form or InspectionExportForm(),
        nothing=nothing,
        # The status the permits were filtered by, in the reader's words.
        nothing_status=PermitStatus(chosen).label if chosen else None,
        recent=data_exports.recent_for(current_user.id),
        kinds=data_exports.KINDS,
        kept_days=data_exports.EXPORT_KEPT_DAYS,
    )


@bp.get("/staff/exports")
@staff
def exports():
    # The filters may come in the query string (the old download links send them here).
    return _exports_page(PermitExportForm(formdata=request.args or None))


@bp.post("/staff/exports/permits")
@staff
def export_permits():
    form = PermitExportForm()
    if not form.validate_on_submit():
        return _exports_page(form)
    filters = data_exports.permit_filters(
        form.issued_from.data,
        form.issued_to.data,
        PermitStatus(form.status.data) if form.status.data else None,
    )
    try:
        record = data_exports.start(
            "permits", filters, for_excel=form.excel.data, actor=current_actor()
        )
    except data_exports.NothingToExport:
        # Said on the form rather than a file with nothing but a header.
        return _exports_page(form, nothing=True)
    return redirect(url_for("permits.export_status", export_id=record.id))


@bp.post("/staff/exports/inspections")
@staff
def export_inspections():
    form = InspectionExportForm()
    if not form.validate_on_submit():
        return _exports_page(form, PermitExportForm(formdata=None), form)
    record = data_exports.start(
        "inspections", {}, for_excel=form.inspections_excel.data, actor=current_actor()
    )
    return redirect(url_for("permits.export_status", export_id=record.id))


@bp.get("/staff/exports/<int:export_id>")
@staff
def export_status(export_id: int):
    record = db.get_or_404(DataExport, export_id)
    data_exports.requeue(record)
    kind = data_exports.KINDS[record.kind]
    return render_template(
        "permits/export_status.html",
        record=record,
        kind=kind,
        filters=kind.describe(record.filters),
        kept_until=data_exports.kept_until(record),
        kept_days=data_exports.EXPORT_KEPT_DAYS,
        failures=data_exports.FAILURES,
    )


@bp.get("/staff/exports/<int:export_id>/download")
@staff
def export_download(export_id: int):
    record = db.get_or_404(DataExport, export_id)
    if record.status != ExportStatus.DONE or record.stored_file is None:
        # Not written yet, failed or removed: its page says which.
        return redirect(url_for("permits.export_status", export_id=record.id))
    try:
        return send_stored(record.stored_file, record.filename)
    except StoredFileMissing:
        db.session.refresh(record)
        if record.status == ExportStatus.DONE and not data_exports.is_due_to_go(record):
            raise  # lost from the store: the page that says so
        # The sweep removed it after the read above: its page says the file was removed.
        return redirect(url_for("permits.export_status", export_id=record.id))


# What the old links carried: only these go on (url_for takes `_external` and its kin).
OLD_EXPORT_FIELDS = ("issued_from", "issued_to", "status", "excel")


@bp.get("/staff/permits/export.csv")
@staff
def export_csv():
    """The old download link (bookmarks, other sites): the exports page with its filters
    filled in, to create the export there. A GET makes nothing."""
    kept = {name: request.args[name] for name in OLD_EXPORT_FIELDS if name in request.args}
    return redirect(url_for("permits.exports", **kept))
