"""A page that exists only for browser tests.

Its form tests the shared error-summary machinery (components/forms.html, base.html's
title, static/js/portal.js) independently of any feature's form. It also reads and
writes the database from the server thread (counts permits; saving queues an email),
so tests can check that the live server and the test share one clean database.
"""

from pathlib import Path

from flask import Blueprint, render_template_string, url_for
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired, Regexp

from portal.access import public
from portal.extensions import db
from portal.forms import PortalForm
from portal.notifications.services import queue_email
from portal.permits.models import Permit

PREFIX = "/_browser-test"
PATH = "/building"
SAVED_EMAIL_TO = "browser-test@example.com"

bp = Blueprint("browser_test", __name__, template_folder=str(Path(__file__).parent / "templates"))

TEMPLATE = """
{% extends "base.html" %}
{% from "components/forms.html" import error_summary, field, submit %}
{% set page_title = "Building details" %}
{% block content %}
<h1>{{ page_title }}</h1>
<p>Permits on file: <span id="permit-count">{{ permits }}</span></p>
{% if saved %}<p role="status">Saved</p>{% endif %}
<form method="post" novalidate>
  {{ error_summary(form) }}
  {{ form.csrf_token }}
  {{ field(form.building_name) }}
  {{ field(form.floor_area, hint="Add up every floor.", inputmode="numeric") }}
  {{ submit("Continue") }}
</form>
{% endblock %}
"""


class BuildingForm(PortalForm):
    building_name = StringField("Building name", validators=[DataRequired("Enter a building name")])
    floor_area = StringField(
        "Floor area in square feet",
        validators=[
            DataRequired("Enter the floor area"),
            Regexp(r"^\d+$", message="Enter the floor area as a whole number, like 7200"),
        ],
    )


@bp.route(PATH, methods=["GET", "POST"])
@public
def building():
    form = BuildingForm()
    saved = form.validate_on_submit()
    if saved:
        queue_email(
            SAVED_EMAIL_TO,
            "Building saved",
            "browser_test_saved",
            building_name=form.building_name.data,
            link=url_for("browser_test.building", _external=True),
        )
        db.session.commit()
    permits = db.session.scalar(select(func.count()).select_from(Permit))
    return render_template_string(TEMPLATE, form=form, saved=saved, permits=permits)
