"""Staff home. Placeholder until the applications feature provides the review queue."""

from flask import render_template

from portal.access import staff
from portal.admin.routes import bp


@bp.get("/")
@staff
def staff_home():
    return render_template("errors/error.html", title="Staff home", message="")
