"""Partial, temporary and final certificates, occupancy requests

certificates.kind: partial, temporary or final. Every certificate issued before this
revision finaled its permit, so each becomes a final certificate (the server default fills
the column). What its PDF printed stays as printed: a version that printed an expiry date
still stops verifying as valid after that day.

A permit now carries several certificates: the one-certificate-per-application unique
constraint gives way to one final certificate per application (a partial unique index);
certificates.superseded_by_id / superseded_at record the final certificate that replaced a
partial or temporary one. certificate_versions.outstanding_matters: what a temporary
certificate leaves to finish (empty for the existing ones).

occupancy_requests (and their documents): the owner's requests for partial or temporary
occupancy, extensions and optional certificates, with staff decisions.

Revision ID: 84709a348518
Revises: 5e1c0a7b2d94
Create Date: 2026-12-06 04:14:00.834296

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "84709a348518"
down_revision = "5e1c0a7b2d94"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "occupancy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "partial",
                "temporary",
                "extension",
                "optional",
                name="requestkind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "accepted",
                "refused",
                "withdrawn",
                name="requeststatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("portion", sa.String(length=300), nullable=False),
        sa.Column("wanted_from", sa.Date(), nullable=True),
        sa.Column("extend_to", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_occupancy_requests_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_occupancy_requests_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["permits.id"], name=op.f("fk_occupancy_requests_permit_id_permits")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_occupancy_requests_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occupancy_requests")),
    )
    with op.batch_alter_table("occupancy_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_occupancy_requests_certificate_id"), ["certificate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_occupancy_requests_permit_id"), ["permit_id"], unique=False
        )
        batch_op.create_index(
            "ix_occupancy_requests_status_created", ["status", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "uq_occupancy_requests_one_open",
            ["permit_id", "kind"],
            unique=True,
            sqlite_where=sa.text("status = 'requested'"),
            postgresql_where=sa.text("status = 'requested'"),
        )

    op.create_table(
        "occupancy_request_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("stored_file_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["occupancy_requests.id"],
            name=op.f("fk_occupancy_request_documents_request_id_occupancy_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stored_file_id"],
            ["stored_files.id"],
            name=op.f("fk_occupancy_request_documents_stored_file_id_stored_files"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_occupancy_request_documents_uploaded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occupancy_request_documents")),
    )
    with op.batch_alter_table("occupancy_request_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_occupancy_request_documents_request_id"), ["request_id"], unique=False
        )

    with op.batch_alter_table("certificate_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("outstanding_matters", sa.Text(), server_default="", nullable=False)
        )

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum(
                    "partial",
                    "temporary",
                    "final",
                    name="certificatekind",
                    native_enum=False,
                    length=40,
                ),
                server_default="final",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("superseded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_certificates_application_id"), type_="unique")
        batch_op.create_index(
            batch_op.f("ix_certificates_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            "uq_certificates_one_final",
            ["application_id"],
            unique=True,
            sqlite_where=sa.text("kind = 'final'"),
            postgresql_where=sa.text("kind = 'final'"),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_certificates_superseded_by_id_certificates"),
            "certificates",
            ["superseded_by_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_certificates_superseded_by_id_certificates"), type_="foreignkey"
        )
        batch_op.drop_index(
            "uq_certificates_one_final",
            sqlite_where=sa.text("kind = 'final'"),
            postgresql_where=sa.text("kind = 'final'"),
        )
        batch_op.drop_index(batch_op.f("ix_certificates_application_id"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_certificates_application_id"), ["application_id"]
        )
        batch_op.drop_column("superseded_at")
        batch_op.drop_column("superseded_by_id")
        batch_op.drop_column("kind")

    with op.batch_alter_table("certificate_versions", schema=None) as batch_op:
        batch_op.drop_column("outstanding_matters")

    with op.batch_alter_table("occupancy_request_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_occupancy_request_documents_request_id"))

    op.drop_table("occupancy_request_documents")
    with op.batch_alter_table("occupancy_requests", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_occupancy_requests_one_open",
            sqlite_where=sa.text("status = 'requested'"),
            postgresql_where=sa.text("status = 'requested'"),
        )
        batch_op.drop_index("ix_occupancy_requests_status_created")
        batch_op.drop_index(batch_op.f("ix_occupancy_requests_permit_id"))
        batch_op.drop_index(batch_op.f("ix_occupancy_requests_certificate_id"))

    op.drop_table("occupancy_requests")
