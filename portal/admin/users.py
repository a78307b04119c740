"""Staff accounts. Placeholder until the auth feature provides it."""

from flask import render_template

from portal.access import admin
from portal.admin.routes import bp


@bp.get("/users")
@admin
def users():
    return render_template("errors/error.html", title="Staff accounts", message="")
