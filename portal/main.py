"""The front door: the landing page, each user's home, and the health check."""

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from portal.access import public
from portal.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        if current_user.is_staff:
            return redirect(url_for("admin.staff_home"))
        return redirect(url_for("permits.home"))
    return render_template("pages/index.html")


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - the health check reports any failure as down
        db.session.rollback()
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "degraded", database=database), status
