"""Outbox claims and deferred receipts

outbox_messages.claimed_at: a sender claims a message with a conditional UPDATE before
sending it, so concurrent `flask outbox send` runs never send one message twice.

ix_payments_receipt_due: payments whose receipt is numbered but not yet rendered and
emailed; receipts are now issued after the payment's commit, by `flask outbox send` or
the receipt download, which look them up with this index. Payments made before this
revision all have their receipt file, so none is due.

Revision ID: a42c260da1e9
Revises: 9853210159b3
Create Date: 2026-11-23 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a42c260da1e9"
down_revision = "9853210159b3"
branch_labels = None
depends_on = None

RECEIPT_DUE = "receipt_number IS NOT NULL AND receipt_file_id IS NULL"


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payments_receipt_due",
            ["id"],
            unique=False,
            sqlite_where=sa.text(RECEIPT_DUE),
            postgresql_where=sa.text(RECEIPT_DUE),
        )


def downgrade():
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_payments_receipt_due",
            sqlite_where=sa.text(RECEIPT_DUE),
            postgresql_where=sa.text(RECEIPT_DUE),
        )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
