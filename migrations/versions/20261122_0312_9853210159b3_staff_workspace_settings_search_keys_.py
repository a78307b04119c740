"""Staff workspace: admin settings, search keys, queue and dashboard indexes

The search keys (permits.address_key, users.name_key) are normalised copies of the
address and the name; existing rows are filled here with the same function the models'
column defaults use, so a search finds records made before this revision too.

Revision ID: 9853210159b3
Revises: 64f9bc72f742
Create Date: 2026-11-22 03:12:50.645260

"""

import sqlalchemy as sa
from alembic import op

from portal.search_keys import normalise

BATCH = 5000


# revision identifiers, used by Alembic.
revision = "9853210159b3"
down_revision = "64f9bc72f742"
branch_labels = None
depends_on = None


def _fill_key(table: str, key: str, source: str) -> None:
    """Fill a new search-key column from its source column, a batch of rows at a time."""
    rows = sa.table(table, sa.column("id"), sa.column(key), sa.column(source))
    bind = op.get_bind()
    last_id = 0
    while True:
        batch = bind.execute(
            sa.select(rows.c.id, getattr(rows.c, source))
            .where(rows.c.id > last_id)
            .order_by(rows.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        bind.execute(
            rows.update()
            .where(rows.c.id == sa.bindparam("row_id"))
            .values({key: sa.bindparam("key")}),
            [{"row_id": row_id, "key": normalise(text)} for row_id, text in batch],
        )
        last_id = batch[-1][0]


def upgrade():
    op.create_table(
        "portal_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_lead_business_days", sa.Integer(), nullable=False),
        sa.Column("inspection_cutoff_business_days", sa.Integer(), nullable=False),
        sa.Column("inspector_daily_capacity", sa.Integer(), nullable=False),
        sa.Column("block_requests_when_fees_unpaid", sa.Boolean(), nullable=False),
        sa.Column("stale_inspection_days", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_portal_settings_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_settings")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index("ix_certificates_created", ["created_at", "id"], unique=False)

    with op.batch_alter_table("cofo_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cofo_applications_status_submitted"))
        batch_op.create_index(
            "ix_cofo_applications_status_submitted", ["status", "submitted_at", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cofo_applications_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(
            "ix_cofo_applications_ready_to_issue",
            ["submitted_at", "id"],
            unique=False,
            sqlite_where=sa.text("status IN ('accepted', 'inspections_complete')"),
            postgresql_where=sa.text("status IN ('accepted', 'inspections_complete')"),
        )
        batch_op.create_index(
            "ix_cofo_applications_status_updated", ["status", "updated_at"], unique=False
        )
        batch_op.create_index(
            "ix_cofo_applications_submitted",
            ["submitted_at", "id"],
            unique=False,
            sqlite_where=sa.text("submitted_at IS NOT NULL"),
            postgresql_where=sa.text("submitted_at IS NOT NULL"),
        )

    with op.batch_alter_table("fees", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fees_assessed_amount", ["assessed_at", "amount_cents"], unique=False
        )

    with op.batch_alter_table("inspection_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_requests_requested_by_id"), ["requested_by_id"], unique=False
        )
        batch_op.create_index(
            "ix_inspection_requests_day_load",
            ["scheduled_date", "status", "inspector_id", "scheduled_window"],
            unique=False,
        )
        batch_op.drop_index(batch_op.f("ix_inspection_requests_status_preferred"))
        batch_op.create_index(
            "ix_inspection_requests_status_preferred",
            ["status", "preferred_date_1", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_inspection_requests_inspected", ["inspected_at", "status"], unique=False
        )
        batch_op.create_index(
            "ix_inspection_requests_status_requested",
            ["status", "requested_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_inspection_requests_status_scheduled",
            ["status", "scheduled_date", "id"],
            unique=False,
        )

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.drop_index(batch_op.f("ix_payments_succeeded_at"))
        batch_op.drop_index(batch_op.f("ix_payments_status_created"))
        batch_op.create_index(
            "ix_payments_status_created", ["status", "created_at", "id"], unique=False
        )
        batch_op.create_index("ix_payments_amount", ["amount_cents", "id"], unique=False)
        batch_op.create_index(
            "ix_payments_attention_created",
            ["created_at", "id"],
            unique=False,
            sqlite_where=sa.text("flagged_at IS NOT NULL"),
            postgresql_where=sa.text("flagged_at IS NOT NULL"),
        )
        batch_op.create_index("ix_payments_created", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_payments_customer_email", ["customer_email"], unique=False)
        batch_op.create_index("ix_payments_reference", ["reference"], unique=False)
        batch_op.create_index(
            "ix_payments_status_refunded", ["status", "refunded_at"], unique=False
        )
        batch_op.create_index(
            "ix_payments_succeeded_amount", ["succeeded_at", "amount_cents"], unique=False
        )

    with op.batch_alter_table("permits", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "address_key",
                sa.String(length=200).with_variant(
                    sa.String(length=200, collation="C"), "postgresql"
                ),
                nullable=False,
                server_default="",
            )
        )
        batch_op.create_index(batch_op.f("ix_permits_address_key"), ["address_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_permits_issued_date"), ["issued_date"], unique=False)
        batch_op.create_index(
            "ix_permits_open_issued",
            ["issued_date", "id"],
            unique=False,
            sqlite_where=sa.text("status_current NOT IN ('Expired', 'Finaled', 'Revoked')"),
            postgresql_where=sa.text("status_current NOT IN ('Expired', 'Finaled', 'Revoked')"),
        )

    with op.batch_alter_table("required_inspections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_required_inspections_outstanding",
            ["permit_id"],
            unique=False,
            sqlite_where=sa.text("passed_at IS NULL AND removed_at IS NULL"),
            postgresql_where=sa.text("passed_at IS NULL AND removed_at IS NULL"),
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "name_key",
                sa.String(length=200).with_variant(
                    sa.String(length=200, collation="C"), "postgresql"
                ),
                nullable=False,
                server_default="",
            )
        )
        batch_op.create_index(batch_op.f("ix_users_name_key"), ["name_key"], unique=False)

    _fill_key("permits", "address_key", "original_address1")
    _fill_key("users", "name_key", "name")
    # The models give the keys as column defaults; no server default should outlive the fill.
    with op.batch_alter_table("permits", schema=None) as batch_op:
        batch_op.alter_column("address_key", server_default=None)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("name_key", server_default=None)


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_name_key"))
        batch_op.drop_column("name_key")

    with op.batch_alter_table("required_inspections", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_required_inspections_outstanding",
            sqlite_where=sa.text("passed_at IS NULL AND removed_at IS NULL"),
            postgresql_where=sa.text("passed_at IS NULL AND removed_at IS NULL"),
        )

    with op.batch_alter_table("permits", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_permits_open_issued",
            sqlite_where=sa.text("status_current NOT IN ('Expired', 'Finaled', 'Revoked')"),
            postgresql_where=sa.text("status_current NOT IN ('Expired', 'Finaled', 'Revoked')"),
        )
        batch_op.drop_index(batch_op.f("ix_permits_issued_date"))
        batch_op.drop_index(batch_op.f("ix_permits_address_key"))
        batch_op.drop_column("address_key")

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_created_by_id"))
        batch_op.drop_index("ix_payments_succeeded_amount")
        batch_op.drop_index("ix_payments_status_refunded")
        batch_op.drop_index("ix_payments_reference")
        batch_op.drop_index("ix_payments_customer_email")
        batch_op.drop_index("ix_payments_created")
        batch_op.drop_index(
            "ix_payments_attention_created",
            sqlite_where=sa.text("flagged_at IS NOT NULL"),
            postgresql_where=sa.text("flagged_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_payments_amount")
        batch_op.drop_index("ix_payments_status_created")
        batch_op.create_index(
            batch_op.f("ix_payments_status_created"), ["status", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payments_succeeded_at"), ["succeeded_at"], unique=False
        )

    with op.batch_alter_table("inspection_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_requests_requested_by_id"))
        batch_op.drop_index("ix_inspection_requests_day_load")
        batch_op.drop_index("ix_inspection_requests_status_scheduled")
        batch_op.drop_index("ix_inspection_requests_status_requested")
        batch_op.drop_index("ix_inspection_requests_inspected")
        batch_op.drop_index("ix_inspection_requests_status_preferred")
        batch_op.create_index(
            batch_op.f("ix_inspection_requests_status_preferred"),
            ["status", "preferred_date_1"],
            unique=False,
        )

    with op.batch_alter_table("fees", schema=None) as batch_op:
        batch_op.drop_index("ix_fees_assessed_amount")

    with op.batch_alter_table("cofo_applications", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_cofo_applications_submitted",
            sqlite_where=sa.text("submitted_at IS NOT NULL"),
            postgresql_where=sa.text("submitted_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_cofo_applications_status_updated")
        batch_op.drop_index(
            "ix_cofo_applications_ready_to_issue",
            sqlite_where=sa.text("status IN ('accepted', 'inspections_complete')"),
            postgresql_where=sa.text("status IN ('accepted', 'inspections_complete')"),
        )
        batch_op.drop_index(batch_op.f("ix_cofo_applications_created_by_id"))
        batch_op.drop_index("ix_cofo_applications_status_submitted")
        batch_op.create_index(
            batch_op.f("ix_cofo_applications_status_submitted"),
            ["status", "submitted_at"],
            unique=False,
        )

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index("ix_certificates_created")

    op.drop_table("portal_settings")
