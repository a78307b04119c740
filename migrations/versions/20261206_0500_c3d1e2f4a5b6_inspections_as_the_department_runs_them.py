"""Inspections as the department runs them (issue 12)

inspecting_agencies: who inspects (the Department of Buildings, the Fire Department's Fire
Prevention Bureau) with the contact details admins keep; every existing inspection type is
the Department's except the Bureau's C of O inspection.

inspection_types.repeatable: a type needed again and again on one permit; the seeded rebar
inspection ("initial and ongoing", once per pour) is.

cofo_applications.applicant_reply: the applicant's reply to a request for information, sent
with the resubmission (empty for every existing application).

portal_settings: the cut-off must be fewer business days than the notice, so a request for
the earliest date can be changed for at least one business day (portal/inspections/
deadlines.py). A saved row that broke the rule gets the cut-off one below its notice.

Revision ID: c3d1e2f4a5b6
Revises: 84709a348518
Create Date: 2026-12-06 05:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3d1e2f4a5b6"
down_revision = "84709a348518"
branch_labels = None
depends_on = None

AGENCIES = (
    (
        "dob",
        "Department of Buildings",
        False,
        "Request the inspection here. The Department contacts you to schedule it.",
    ),
    (
        "fpb",
        "Chicago Fire Department, Fire Prevention Bureau",
        True,
        "The Fire Prevention Bureau schedules its own inspections: contact the Bureau to book "
        "the fire inspection once the Department has accepted your C of O application.",
    ),
)


def upgrade():
    agencies = op.create_table(
        "inspecting_agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("schedules_directly", sa.Boolean(), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspecting_agencies")),
        sa.UniqueConstraint("code", name=op.f("uq_inspecting_agencies_code")),
    )
    op.bulk_insert(
        agencies,
        [
            {
                "id": number,
                "code": code,
                "name": name,
                "phone": "",
                "email": "",
                "address": "",
                "schedules_directly": direct,
                "instructions": instructions,
                "version": 1,
            }
            for number, (code, name, direct, instructions) in enumerate(AGENCIES, start=1)
        ],
        multiinsert=False,
    )
    with op.batch_alter_table("inspection_types", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("repeatable", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("agency_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_inspection_types_agency_id_inspecting_agencies"),
            "inspecting_agencies",
            ["agency_id"],
            ["id"],
        )
    with op.batch_alter_table("inspection_types", schema=None) as batch_op:
        batch_op.alter_column("repeatable", server_default=None)
    op.execute(
        sa.text(
            "UPDATE inspection_types SET repeatable = :yes WHERE code = 'STR-REBAR'"
        ).bindparams(yes=True)
    )
    op.execute(
        sa.text(
            "UPDATE inspection_types SET agency_id = (SELECT id FROM inspecting_agencies "
            "WHERE code = CASE WHEN inspection_types.code = 'COFO-FPB' THEN 'fpb' ELSE 'dob' END)"
        )
    )
    with op.batch_alter_table("cofo_applications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("applicant_reply", sa.Text(), nullable=False, server_default="")
        )
    with op.batch_alter_table("cofo_applications", schema=None) as batch_op:
        batch_op.alter_column("applicant_reply", server_default=None)
    op.execute(
        sa.text(
            "UPDATE portal_settings SET inspection_lead_business_days = 1 "
            "WHERE inspection_lead_business_days < 1"
        )
    )
    op.execute(
        sa.text(
            "UPDATE portal_settings "
            "SET inspection_cutoff_business_days = inspection_lead_business_days - 1 "
            "WHERE inspection_cutoff_business_days >= inspection_lead_business_days"
        )
    )


def downgrade():
    with op.batch_alter_table("cofo_applications", schema=None) as batch_op:
        batch_op.drop_column("applicant_reply")
    with op.batch_alter_table("inspection_types", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_inspection_types_agency_id_inspecting_agencies"), type_="foreignkey"
        )
        batch_op.drop_column("agency_id")
        batch_op.drop_column("repeatable")
    op.drop_table("inspecting_agencies")
