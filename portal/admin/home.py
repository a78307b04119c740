"""Staff home: the queue of applications waiting for review, oldest first."""

from flask import current_app, render_template, request

from portal.access import staff
from portal.admin.routes import bp
from portal.applications.services import review_queue


@bp.get("/")
@staff
def staff_home():
    page = review_queue(request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"])
    return render_template("admin/home.html", page=page)
