"""indexes for the settings page's notification diagnostics and test phase

Per store and mode the settings page reads the last notification received, the
last return used because no notification came, and the test-phase notifications
of the last 30 days (services/diagnostics.py, services/test_phase.py). Without
these indexes each read scans the store's notifications.

Revision ID: 0006_notification_diagnostics
Revises: 0005_payment_history_indexes
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0006_notification_diagnostics"
down_revision = "0005_payment_history_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_store_kind_mode_received", ["store_id", "kind", "ctx_mode", "received_at"], unique=False
        )
        batch_op.create_index(
            "ix_notifications_store_kind_mode_processed", ["store_id", "kind", "ctx_mode", "processed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_store_kind_mode_processed")
        batch_op.drop_index("ix_notifications_store_kind_mode_received")
