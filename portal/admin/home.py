"""Staff home: the queue of applications waiting for review, oldest first."""

from flask import current_app, render_template, request
from sqlalchemy import select

from portal.access import staff
from portal.admin.routes import bp
from portal.applications.models import REVIEW_QUEUE_STATES, CofOApplication
from portal.extensions import db


@bp.get("/")
@staff
def staff_home():
    # The permit is joined in the same query (CofOApplication.permit is lazy="joined"),
    # so the page's query count does not grow with the rows shown.
    query = (
        select(CofOApplication)
        .where(CofOApplication.status.in_(REVIEW_QUEUE_STATES))
        .order_by(CofOApplication.submitted_at, CofOApplication.id)
    )
    page = db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("admin/home.html", page=page)
