"""Placeholder blueprint; the applications feature replaces it."""

from flask import Blueprint, render_template

from portal.access import public

bp = Blueprint("applications", __name__)


@bp.get("/do-i-need-a-certificate")
@public
def requirement_check():
    return render_template("errors/error.html", title="Requirement check", message="")
