"""Placeholder blueprint; the permits feature replaces it."""

from flask import Blueprint, render_template

from portal.access import signed_in

bp = Blueprint("permits", __name__, url_prefix="/permits")


@bp.get("/")
@signed_in
def home():
    return render_template("errors/error.html", title="My permits", message="")
