"""indexes for the merchant's payment history and the operator status

The history lists a store's payments newest first and searches them by Ecwid
order number (it loads the notifications of a page by ``ix_notifications_attempt_id``,
from 0003); the operator status counts the recent payments of every store.
Without these indexes each of those reads scans the whole table.

Revision ID: 0005_payment_history_indexes
Revises: 0004_checkout_reuse
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0005_payment_history_indexes"
down_revision = "0004_checkout_reuse"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_payment_attempts_store_created", ["store_id", "created_at"], unique=False)
        batch_op.create_index("ix_payment_attempts_store_order_number", ["store_id", "ecwid_order_id"], unique=False)
        batch_op.create_index("ix_payment_attempts_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_attempts_created")
        batch_op.drop_index("ix_payment_attempts_store_order_number")
        batch_op.drop_index("ix_payment_attempts_store_created")
