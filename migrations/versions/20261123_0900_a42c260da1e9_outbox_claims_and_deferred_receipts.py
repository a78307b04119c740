"""Outbox claims and deferred receipts

outbox_messages.claimed_at: a sender claims a message with a conditional UPDATE before
sending it, so concurrent `flask outbox send` runs never send one message twice.

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


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
