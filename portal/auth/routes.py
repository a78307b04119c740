"""Placeholder blueprint; the auth feature replaces it."""

from flask import Blueprint, render_template

from portal.access import public, signed_in

bp = Blueprint("auth", __name__, url_prefix="/account")


@bp.get("/sign-in")
@public
def sign_in():
    return render_template("errors/error.html", title="Sign in", message="")


@bp.get("/register")
@public
def register():
    return render_template("errors/error.html", title="Register", message="")


@bp.get("/profile")
@signed_in
def profile():
    return render_template("errors/error.html", title="Profile", message="")


@bp.post("/sign-out")
@signed_in
def sign_out():
    return render_template("errors/error.html", title="Sign out", message="")
