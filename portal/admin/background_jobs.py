"""The "Background jobs" page (admins): what is queued, running and failed for good, and
Retry for a failed job. The jobs themselves live in RQ (or in-process without Redis):
portal/jobs."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from portal import jobs
from portal.access import admin, current_actor
from portal.admin.routes import bp
from portal.errors import DomainError
from portal.forms import STALE_FORM_MESSAGE, PortalForm


class RetryJobForm(PortalForm):
    job_id = HiddenField(validators=[DataRequired(), Length(max=300)])


@bp.get("/background-jobs")
@admin
def background_jobs():
    return render_template(
        "admin/background_jobs.html", overview=jobs.overview(), form=RetryJobForm(formdata=None)
    )


@bp.post("/background-jobs/retry")
@admin
def retry_job():
    form = RetryJobForm()
    if not form.validate_on_submit():
        flash(STALE_FORM_MESSAGE, "error")
        return redirect(url_for("admin.background_jobs"))
    try:
        retried = jobs.retry(form.job_id.data, current_actor())
    except DomainError as error:
        flash(error.message, "error")
    else:
        if retried:
            flash(_("The job is queued again."), "success")
        else:
            flash(
                _("That job is no longer failed: it was retried already or has finished."),
                "error",
            )
    return redirect(url_for("admin.background_jobs"))
