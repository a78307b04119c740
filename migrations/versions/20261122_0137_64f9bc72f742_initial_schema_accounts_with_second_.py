"""Initial schema: accounts with second factor, permits, applications, documents, outbox, audit, timeline, inspections, fees and payments, certificates and pickups

Revision ID: 64f9bc72f742
Revises:
Create Date: 2026-11-22 01:37:10.945588

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "64f9bc72f742"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "certificate_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_certificate_counters")),
    )
    op.create_table(
        "holidays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holidays")),
        sa.UniqueConstraint("day", name=op.f("uq_holidays_day")),
    )
    op.create_table(
        "inspection_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "underground",
                "rough",
                "final",
                "cofo",
                name="inspectionstage",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("bureau", sa.String(length=100), nullable=False),
        sa.Column("fee_cents", sa.Integer(), nullable=False),
        sa.Column("blds_type_mapped", sa.String(length=100), nullable=False),
        sa.Column("trades", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_types")),
        sa.UniqueConstraint("code", name=op.f("uq_inspection_types_code")),
    )
    with op.batch_alter_table("inspection_types", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_types_bureau"), ["bureau"], unique=False)

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "sent", "failed", name="outboxstatus", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_messages_message_id")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_messages_status_due", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "permits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_num", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("applied_date", sa.Date(), nullable=True),
        sa.Column("issued_date", sa.Date(), nullable=True),
        sa.Column(
            "status_current",
            sa.Enum(
                "Issued",
                "Inspection Phase",
                "Finaled",
                "Expired",
                "Revoked",
                name="permitstatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("original_address1", sa.String(length=200), nullable=False),
        sa.Column("original_address2", sa.String(length=200), nullable=False),
        sa.Column("original_city", sa.String(length=100), nullable=False),
        sa.Column("original_state", sa.String(length=2), nullable=False),
        sa.Column("original_zip", sa.String(length=10), nullable=False),
        sa.Column("permit_type", sa.String(length=100), nullable=False),
        sa.Column("work_class", sa.String(length=100), nullable=False),
        sa.Column("proposed_use", sa.String(length=200), nullable=False),
        sa.Column("total_sq_ft", sa.Integer(), nullable=True),
        sa.Column("housing_units", sa.Integer(), nullable=True),
        sa.Column("est_project_cost_cents", sa.BigInteger(), nullable=True),
        sa.Column("contractor_company_name", sa.String(length=200), nullable=False),
        sa.Column("contractor_lic_num", sa.String(length=60), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("access_code", sa.String(length=32), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permits")),
        sa.UniqueConstraint("permit_num", name=op.f("uq_permits_permit_num")),
    )
    with op.batch_alter_table("permits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_permits_status_current"), ["status_current"], unique=False
        )

    op.create_table(
        "pickup_closed_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_closed_days")),
        sa.UniqueConstraint("day", name=op.f("uq_pickup_closed_days_day")),
    )
    op.create_table(
        "pickup_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("end", sa.Time(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_slots")),
    )
    op.create_table(
        "processed_stripe_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_stripe_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_processed_stripe_events_event_id")),
    )
    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("for_day", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders_sent")),
        sa.UniqueConstraint("kind", "record_id", "for_day", name="uq_reminders_sent_record"),
    )
    op.create_table(
        "stored_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_stored_files_sha256")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum("applicant", "staff", "admin", name="role", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totp_secret_encrypted", sa.String(length=255), nullable=True),
        sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("session_token", name=op.f("uq_users_session_token")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_role"), ["role"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("record_type", sa.String(length=60), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_events_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index(
            "ix_audit_events_actor_created", ["actor_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_events_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index("ix_audit_events_record", ["record_type", "record_id"], unique=False)

    op.create_table(
        "cofo_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "under_review",
                "information_requested",
                "resubmitted",
                "accepted",
                "inspections_complete",
                "cofo_issued",
                "rejected",
                "not_applicable",
                "withdrawn",
                name="applicationstatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("confirmation_number", sa.String(length=20), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("occupancy_groups", sa.JSON(), nullable=False),
        sa.Column("portion_of_building", sa.String(length=300), nullable=False),
        sa.Column("occupancy_load", sa.Integer(), nullable=True),
        sa.Column("floor_area_sq_ft", sa.Integer(), nullable=True),
        sa.Column("non_residential_sq_ft", sa.Integer(), nullable=True),
        sa.Column("dwelling_units", sa.Integer(), nullable=True),
        sa.Column("sleeping_units", sa.Integer(), nullable=True),
        sa.Column("stories", sa.Integer(), nullable=True),
        sa.Column("construction_type", sa.String(length=20), nullable=False),
        sa.Column("sprinklered", sa.Boolean(), nullable=True),
        sa.Column("change_of_occupancy", sa.Boolean(), nullable=True),
        sa.Column("previous_use", sa.String(length=300), nullable=False),
        sa.Column(
            "certificate_type",
            sa.Enum(
                "full", "partial", "temporary", name="certificatetype", native_enum=False, length=40
            ),
            nullable=True,
        ),
        sa.Column("partial_portion", sa.String(length=300), nullable=False),
        sa.Column("temporary_reason", sa.Text(), nullable=False),
        sa.Column("attest_owner_involved", sa.Boolean(), nullable=False),
        sa.Column("attest_professionals", sa.Boolean(), nullable=False),
        sa.Column("attest_permits_finaled", sa.Boolean(), nullable=False),
        sa.Column("attest_true", sa.Boolean(), nullable=False),
        sa.Column("attested_by_id", sa.Integer(), nullable=True),
        sa.Column("attested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resubmitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("staff_message", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attested_by_id"], ["users.id"], name=op.f("fk_cofo_applications_attested_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_cofo_applications_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["permits.id"], name=op.f("fk_cofo_applications_permit_id_permits")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_cofo_applications_reviewer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cofo_applications")),
        sa.UniqueConstraint(
            "confirmation_number", name=op.f("uq_cofo_applications_confirmation_number")
        ),
    )
    with op.batch_alter_table("cofo_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cofo_applications_permit_id"), ["permit_id"], unique=False
        )
        batch_op.create_index(
            "ix_cofo_applications_review_queue",
            ["queued_at", "id"],
            unique=False,
            sqlite_where=sa.text("queued_at IS NOT NULL"),
            postgresql_where=sa.text("queued_at IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_cofo_applications_status_submitted", ["status", "submitted_at"], unique=False
        )
        batch_op.create_index(
            "uq_cofo_applications_one_open",
            ["permit_id"],
            unique=True,
            sqlite_where=sa.text(
                "status NOT IN ('cofo_issued', 'not_applicable', 'rejected', 'withdrawn')"
            ),
            postgresql_where=sa.text(
                "status NOT IN ('cofo_issued', 'not_applicable', 'rejected', 'withdrawn')"
            ),
        )

    op.create_table(
        "fee_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_fee_schedules_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_schedules")),
        sa.UniqueConstraint("effective_from", name=op.f("uq_fee_schedules_effective_from")),
    )
    op.create_table(
        "inspector_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["users.id"], name=op.f("fk_inspector_days_inspector_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspector_days")),
        sa.UniqueConstraint("inspector_id", "day", name="uq_inspector_days_day"),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column(
            "role",
            sa.Enum("owner", "agent", "contractor", name="partyrole", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("trade", sa.String(length=100), nullable=False),
        sa.Column("license_number", sa.String(length=60), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"], ["users.id"], name=op.f("fk_invitations_accepted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["users.id"], name=op.f("fk_invitations_invited_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"],
            ["permits.id"],
            name=op.f("fk_invitations_permit_id_permits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_permit_id"), ["permit_id"], unique=False)

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "card", "test", "cash", "check", name="paymentmethod", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "succeeded",
                "failed",
                "expired",
                "refunded",
                name="paymentstatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("customer_email", sa.String(length=254), nullable=False),
        sa.Column("checkout_session_id", sa.String(length=255), nullable=True),
        sa.Column("checkout_url", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt_number", sa.String(length=40), nullable=True),
        sa.Column("receipt_file_id", sa.Integer(), nullable=True),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flag_reason", sa.Text(), nullable=False),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_by_id", sa.Integer(), nullable=True),
        sa.Column("refund_reason", sa.Text(), nullable=False),
        sa.Column("refund_id", sa.String(length=255), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_payments_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["permits.id"], name=op.f("fk_payments_permit_id_permits")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_file_id"],
            ["stored_files.id"],
            name=op.f("fk_payments_receipt_file_id_stored_files"),
        ),
        sa.ForeignKeyConstraint(
            ["refunded_by_id"], ["users.id"], name=op.f("fk_payments_refunded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("checkout_session_id", name=op.f("uq_payments_checkout_session_id")),
        sa.UniqueConstraint("receipt_number", name=op.f("uq_payments_receipt_number")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_flagged_at"), ["flagged_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_payments_payment_intent_id"), ["payment_intent_id"], unique=False
        )
        batch_op.create_index(
            "ix_payments_permit_created", ["permit_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_payments_status_created", ["status", "created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_payments_succeeded_at"), ["succeeded_at"], unique=False
        )

    op.create_table(
        "permit_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("owner", "agent", "contractor", name="partyrole", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("trade", sa.String(length=100), nullable=False),
        sa.Column("license_number", sa.String(length=60), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_permit_parties_added_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"],
            ["permits.id"],
            name=op.f("fk_permit_parties_permit_id_permits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_permit_parties_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit_parties")),
    )
    with op.batch_alter_table("permit_parties", schema=None) as batch_op:
        batch_op.create_index("ix_permit_parties_user", ["user_id"], unique=False)
        batch_op.create_index(
            "uq_permit_parties_one_owner",
            ["permit_id"],
            unique=True,
            sqlite_where=sa.text("role = 'owner'"),
            postgresql_where=sa.text("role = 'owner'"),
        )
        batch_op.create_index(
            "uq_permit_parties_permit_user", ["permit_id", "user_id"], unique=True
        )

    op.create_table(
        "pickup_slot_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["pickup_slots.id"], name=op.f("fk_pickup_slot_days_slot_id_pickup_slots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_slot_days")),
        sa.UniqueConstraint("slot_id", "day", name="uq_pickup_slot_days_day"),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index("ix_recovery_codes_user_hash", ["user_id", "code_hash"], unique=False)

    op.create_table(
        "required_inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column("inspection_type_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_reason", sa.Text(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.Column("removed_reason", sa.Text(), nullable=False),
        sa.Column("passed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_required_inspections_added_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_type_id"],
            ["inspection_types.id"],
            name=op.f("fk_required_inspections_inspection_type_id_inspection_types"),
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"],
            ["permits.id"],
            name=op.f("fk_required_inspections_permit_id_permits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"],
            ["users.id"],
            name=op.f("fk_required_inspections_removed_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_required_inspections")),
        sa.UniqueConstraint("permit_id", "inspection_type_id", name="uq_required_inspections_type"),
    )
    op.create_table(
        "timeline_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("by_department", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_timeline_entries_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["permits.id"], name=op.f("fk_timeline_entries_permit_id_permits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_entries")),
    )
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_timeline_entries_permit_created", ["permit_id", "created_at"], unique=False
        )

    op.create_table(
        "application_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "owner",
                "applicant",
                "architect",
                "general_contractor",
                "trade_contractor",
                name="contactrole",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("trade", sa.String(length=100), nullable=False),
        sa.Column("license_number", sa.String(length=60), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["cofo_applications.id"],
            name=op.f("fk_application_contacts_application_id_cofo_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_contacts")),
    )
    with op.batch_alter_table("application_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_contacts_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "application_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column(
            "document_type",
            sa.Enum(
                "stamped_plans",
                "floor_plan",
                "fire_alarm",
                "elevator",
                "special_inspections",
                "other",
                name="documenttype",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("stored_file_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["cofo_applications.id"],
            name=op.f("fk_application_documents_application_id_cofo_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stored_file_id"],
            ["stored_files.id"],
            name=op.f("fk_application_documents_stored_file_id_stored_files"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_application_documents_uploaded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_documents")),
    )
    with op.batch_alter_table("application_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_documents_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("last_version", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["cofo_applications.id"],
            name=op.f("fk_certificates_application_id_cofo_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"], name=op.f("fk_certificates_issued_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["permits.id"], name=op.f("fk_certificates_permit_id_permits")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_certificates_revoked_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("application_id", name=op.f("uq_certificates_application_id")),
        sa.UniqueConstraint("number", name=op.f("uq_certificates_number")),
        sa.UniqueConstraint("year", "sequence", name="uq_certificates_year_sequence"),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_permit_id"), ["permit_id"], unique=False)

    op.create_table(
        "fee_schedule_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("inspection", "reinspection", name="feekind", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["fee_schedules.id"],
            name=op.f("fk_fee_schedule_entries_schedule_id_fee_schedules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_schedule_entries")),
        sa.UniqueConstraint("schedule_id", "kind", name="uq_fee_schedule_entries_kind"),
    )
    op.create_table(
        "inspection_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column("required_inspection_id", sa.Integer(), nullable=False),
        sa.Column("inspection_type_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "scheduled",
                "passed",
                "failed",
                "partial",
                "no_access",
                "cancelled",
                name="inspectionstatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reinspection", sa.Boolean(), nullable=False),
        sa.Column("preferred_date_1", sa.Date(), nullable=False),
        sa.Column("preferred_date_2", sa.Date(), nullable=True),
        sa.Column("preferred_date_3", sa.Date(), nullable=True),
        sa.Column(
            "window",
            sa.Enum("morning", "afternoon", name="window", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("access_notes", sa.Text(), nullable=False),
        sa.Column("confirm_present", sa.Boolean(), nullable=False),
        sa.Column("confirm_trades", sa.Boolean(), nullable=False),
        sa.Column("confirm_plans", sa.Boolean(), nullable=False),
        sa.Column("confirm_access", sa.Boolean(), nullable=False),
        sa.Column("confirm_equipment", sa.Boolean(), nullable=False),
        sa.Column("scheduled_date", sa.Date(), nullable=True),
        sa.Column(
            "scheduled_window",
            sa.Enum("morning", "afternoon", name="window", native_enum=False, length=40),
            nullable=True,
        ),
        sa.Column("inspector_id", sa.Integer(), nullable=True),
        sa.Column("scheduled_by_id", sa.Integer(), nullable=True),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ics_sequence", sa.Integer(), nullable=False),
        sa.Column(
            "result",
            sa.Enum(
                "passed",
                "failed",
                "partial",
                "no_access",
                "cancelled",
                "granted_complete",
                "granted_outstanding",
                "cofo_failed",
                name="inspectionresult",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("inspected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_by_id", sa.Integer(), nullable=True),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("orders", sa.Text(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("late_cancel", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"],
            ["users.id"],
            name=op.f("fk_inspection_requests_cancelled_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["inspection_type_id"],
            ["inspection_types.id"],
            name=op.f("fk_inspection_requests_inspection_type_id_inspection_types"),
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["users.id"], name=op.f("fk_inspection_requests_inspector_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["permits.id"], name=op.f("fk_inspection_requests_permit_id_permits")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_inspection_requests_requested_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["required_inspection_id"],
            ["required_inspections.id"],
            name=op.f("fk_inspection_requests_required_inspection_id_required_inspections"),
        ),
        sa.ForeignKeyConstraint(
            ["result_by_id"], ["users.id"], name=op.f("fk_inspection_requests_result_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["scheduled_by_id"],
            ["users.id"],
            name=op.f("fk_inspection_requests_scheduled_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_requests")),
    )
    with op.batch_alter_table("inspection_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inspection_requests_inspector_day", ["inspector_id", "scheduled_date"], unique=False
        )
        batch_op.create_index("ix_inspection_requests_permit", ["permit_id"], unique=False)
        batch_op.create_index(
            "ix_inspection_requests_required", ["required_inspection_id"], unique=False
        )
        batch_op.create_index(
            "ix_inspection_requests_status_preferred", ["status", "preferred_date_1"], unique=False
        )

    op.create_table(
        "certificate_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "current",
                "superseded",
                "revoked",
                name="versionstatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "certificate_type",
            sa.Enum(
                "full", "partial", "temporary", name="certificatetype", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column("portion_of_building", sa.String(length=300), nullable=False),
        sa.Column("occupancy_load", sa.Integer(), nullable=False),
        sa.Column("occupancy_groups", sa.JSON(), nullable=False),
        sa.Column("construction_type", sa.String(length=20), nullable=False),
        sa.Column("granted_date", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("permit_num", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=False),
        sa.Column("owner_name", sa.String(length=200), nullable=False),
        sa.Column("owner_address", sa.String(length=300), nullable=False),
        sa.Column("official_name", sa.String(length=200), nullable=False),
        sa.Column("official_title", sa.String(length=200), nullable=False),
        sa.Column("correction_reason", sa.Text(), nullable=False),
        sa.Column("stored_file_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_versions_certificate_id_certificates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_certificate_versions_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["stored_file_id"],
            ["stored_files.id"],
            name=op.f("fk_certificate_versions_stored_file_id_stored_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_versions")),
        sa.UniqueConstraint(
            "certificate_id", "version_number", name="uq_certificate_versions_number"
        ),
    )
    with op.batch_alter_table("certificate_versions", schema=None) as batch_op:
        batch_op.create_index(
            "uq_certificate_versions_one_current",
            ["certificate_id"],
            unique=True,
            sqlite_where=sa.text("status = 'current'"),
            postgresql_where=sa.text("status = 'current'"),
        )

    op.create_table(
        "fees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column("inspection_request_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("inspection", "reinspection", name="feekind", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "outstanding",
                "paid",
                "waived",
                "refunded",
                name="feestatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("schedule_entry_id", sa.Integer(), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assessed_by_id", sa.Integer(), nullable=True),
        sa.Column("waived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("waived_by_id", sa.Integer(), nullable=True),
        sa.Column("waiver_reason", sa.Text(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessed_by_id"], ["users.id"], name=op.f("fk_fees_assessed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_request_id"],
            ["inspection_requests.id"],
            name=op.f("fk_fees_inspection_request_id_inspection_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["permits.id"], name=op.f("fk_fees_permit_id_permits")
        ),
        sa.ForeignKeyConstraint(
            ["schedule_entry_id"],
            ["fee_schedule_entries.id"],
            name=op.f("fk_fees_schedule_entry_id_fee_schedule_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["waived_by_id"], ["users.id"], name=op.f("fk_fees_waived_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fees")),
    )
    with op.batch_alter_table("fees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fees_inspection_request_id"), ["inspection_request_id"], unique=False
        )
        batch_op.create_index("ix_fees_permit_status", ["permit_id", "status"], unique=False)

    op.create_table(
        "inspection_deficiencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_request_id", sa.Integer(), nullable=False),
        sa.Column("code_section", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("correct_by", sa.Date(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["inspection_request_id"],
            ["inspection_requests.id"],
            name=op.f("fk_inspection_deficiencies_inspection_request_id_inspection_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_deficiencies")),
    )
    with op.batch_alter_table("inspection_deficiencies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_deficiencies_inspection_request_id"),
            ["inspection_request_id"],
            unique=False,
        )

    op.create_table(
        "inspection_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_request_id", sa.Integer(), nullable=False),
        sa.Column("stored_file_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["inspection_request_id"],
            ["inspection_requests.id"],
            name=op.f("fk_inspection_photos_inspection_request_id_inspection_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stored_file_id"],
            ["stored_files.id"],
            name=op.f("fk_inspection_photos_stored_file_id_stored_files"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_inspection_photos_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_photos")),
    )
    with op.batch_alter_table("inspection_photos", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_photos_inspection_request_id"),
            ["inspection_request_id"],
            unique=False,
        )

    op.create_table(
        "pickup_appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "booked",
                "picked_up",
                "no_show",
                "cancelled",
                name="pickupstatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("booked_by_id", sa.Integer(), nullable=False),
        sa.Column("ics_sequence", sa.Integer(), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("identity_checked", sa.Boolean(), nullable=False),
        sa.Column("collected_by", sa.String(length=200), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booked_by_id"], ["users.id"], name=op.f("fk_pickup_appointments_booked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_pickup_appointments_certificate_id_certificates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_id"], ["users.id"], name=op.f("fk_pickup_appointments_handled_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["permits.id"], name=op.f("fk_pickup_appointments_permit_id_permits")
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["pickup_slots.id"],
            name=op.f("fk_pickup_appointments_slot_id_pickup_slots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_appointments")),
    )
    with op.batch_alter_table("pickup_appointments", schema=None) as batch_op:
        batch_op.create_index("ix_pickup_appointments_day", ["day"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_pickup_appointments_permit_id"), ["permit_id"], unique=False
        )
        batch_op.create_index(
            "ix_pickup_appointments_slot_day", ["slot_id", "day", "status"], unique=False
        )
        batch_op.create_index(
            "uq_pickup_appointments_one_booked",
            ["certificate_id"],
            unique=True,
            sqlite_where=sa.text("status = 'booked'"),
            postgresql_where=sa.text("status = 'booked'"),
        )

    op.create_table(
        "payment_fees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("fee_id", sa.Integer(), nullable=False),
        sa.Column("open_fee_id", sa.Integer(), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["fee_id"], ["fees.id"], name=op.f("fk_payment_fees_fee_id_fees")),
        sa.ForeignKeyConstraint(
            ["open_fee_id"], ["fees.id"], name=op.f("fk_payment_fees_open_fee_id_fees")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_fees_payment_id_payments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_fees")),
        sa.UniqueConstraint("open_fee_id", name=op.f("uq_payment_fees_open_fee_id")),
        sa.UniqueConstraint("payment_id", "fee_id", name="uq_payment_fees_fee"),
    )
    with op.batch_alter_table("payment_fees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_fees_fee_id"), ["fee_id"], unique=False)


def downgrade():
    with op.batch_alter_table("payment_fees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_fees_fee_id"))

    op.drop_table("payment_fees")
    with op.batch_alter_table("pickup_appointments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_pickup_appointments_one_booked",
            sqlite_where=sa.text("status = 'booked'"),
            postgresql_where=sa.text("status = 'booked'"),
        )
        batch_op.drop_index("ix_pickup_appointments_slot_day")
        batch_op.drop_index(batch_op.f("ix_pickup_appointments_permit_id"))
        batch_op.drop_index("ix_pickup_appointments_day")

    op.drop_table("pickup_appointments")
    with op.batch_alter_table("inspection_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_photos_inspection_request_id"))

    op.drop_table("inspection_photos")
    with op.batch_alter_table("inspection_deficiencies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_deficiencies_inspection_request_id"))

    op.drop_table("inspection_deficiencies")
    with op.batch_alter_table("fees", schema=None) as batch_op:
        batch_op.drop_index("ix_fees_permit_status")
        batch_op.drop_index(batch_op.f("ix_fees_inspection_request_id"))

    op.drop_table("fees")
    with op.batch_alter_table("certificate_versions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_certificate_versions_one_current",
            sqlite_where=sa.text("status = 'current'"),
            postgresql_where=sa.text("status = 'current'"),
        )

    op.drop_table("certificate_versions")
    with op.batch_alter_table("inspection_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_requests_status_preferred")
        batch_op.drop_index("ix_inspection_requests_required")
        batch_op.drop_index("ix_inspection_requests_permit")
        batch_op.drop_index("ix_inspection_requests_inspector_day")

    op.drop_table("inspection_requests")
    op.drop_table("fee_schedule_entries")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_permit_id"))

    op.drop_table("certificates")
    with op.batch_alter_table("application_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_documents_application_id"))

    op.drop_table("application_documents")
    with op.batch_alter_table("application_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_contacts_application_id"))

    op.drop_table("application_contacts")
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_timeline_entries_permit_created")

    op.drop_table("timeline_entries")
    op.drop_table("required_inspections")
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_recovery_codes_user_hash")

    op.drop_table("recovery_codes")
    op.drop_table("pickup_slot_days")
    with op.batch_alter_table("permit_parties", schema=None) as batch_op:
        batch_op.drop_index("uq_permit_parties_permit_user")
        batch_op.drop_index(
            "uq_permit_parties_one_owner",
            sqlite_where=sa.text("role = 'owner'"),
            postgresql_where=sa.text("role = 'owner'"),
        )
        batch_op.drop_index("ix_permit_parties_user")

    op.drop_table("permit_parties")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_succeeded_at"))
        batch_op.drop_index("ix_payments_status_created")
        batch_op.drop_index("ix_payments_permit_created")
        batch_op.drop_index(batch_op.f("ix_payments_payment_intent_id"))
        batch_op.drop_index(batch_op.f("ix_payments_flagged_at"))

    op.drop_table("payments")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_permit_id"))

    op.drop_table("invitations")
    op.drop_table("inspector_days")
    op.drop_table("fee_schedules")
    with op.batch_alter_table("cofo_applications", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_cofo_applications_one_open",
            sqlite_where=sa.text(
                "status NOT IN ('cofo_issued', 'not_applicable', 'rejected', 'withdrawn')"
            ),
            postgresql_where=sa.text(
                "status NOT IN ('cofo_issued', 'not_applicable', 'rejected', 'withdrawn')"
            ),
        )
        batch_op.drop_index("ix_cofo_applications_status_submitted")
        batch_op.drop_index(
            "ix_cofo_applications_review_queue",
            sqlite_where=sa.text("queued_at IS NOT NULL"),
            postgresql_where=sa.text("queued_at IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_cofo_applications_permit_id"))

    op.drop_table("cofo_applications")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_record")
        batch_op.drop_index(batch_op.f("ix_audit_events_created_at"))
        batch_op.drop_index("ix_audit_events_actor_created")
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_role"))

    op.drop_table("users")
    op.drop_table("stored_files")
    op.drop_table("reminders_sent")
    op.drop_table("processed_stripe_events")
    op.drop_table("pickup_slots")
    op.drop_table("pickup_closed_days")
    with op.batch_alter_table("permits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permits_status_current"))

    op.drop_table("permits")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_status_due")

    op.drop_table("outbox_messages")
    with op.batch_alter_table("inspection_types", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_types_bureau"))

    op.drop_table("inspection_types")
    op.drop_table("holidays")
    op.drop_table("certificate_counters")
