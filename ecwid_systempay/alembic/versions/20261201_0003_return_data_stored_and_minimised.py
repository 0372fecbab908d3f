"""return data: stored and minimised

The buyer's return is posted, stored, then redirected to a clean URL: the wait
for the notification counts from ``payment_attempts.returned_at``, and the
return handler finds the stored return by ``notifications.attempt_id`` (index).
Rows stored before kept every echoed field but the card ones (the buyer's
e-mail, address, phone, the 3-D Secure CAVV...): only the fields the current
code keeps are left in them.

Revision ID: 0003_return_data
Revises: 0002_store_token_proof
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0003_return_data"
down_revision = "0002_store_token_proof"
branch_labels = None
depends_on = None

# A frozen copy of protocol.notification.STORED_FIELDS at this revision: a migration
# must not change meaning when the application code evolves.
KEPT = frozenset(
    {
        "vads_site_id", "vads_ctx_mode", "vads_trans_id", "vads_trans_date", "vads_trans_uuid",
        "vads_order_id", "vads_amount", "vads_currency", "vads_sequence_number",
        "vads_ext_info_ecwid_store", "vads_ext_info_ecwid_reference",
        "vads_trans_status", "vads_result", "vads_extra_result", "vads_auth_result", "vads_auth_mode",
        "vads_auth_number", "vads_payment_error", "vads_operation_type", "vads_url_check_src",
        "vads_effective_amount", "vads_effective_currency", "vads_change_rate",
        "vads_effective_creation_date", "vads_presentation_date", "vads_capture_delay",
        "vads_validation_mode", "vads_payment_config", "vads_warranty_result",
        "vads_risk_control", "vads_risk_assessment_result",
        "vads_card_brand", "vads_threeds_status", "vads_threeds_auth_type",
        "vads_threeds_exit_status", "vads_threeds_enrolled", "vads_threeds_mpi",
        "card_bin", "card_last4",
    }
)
BATCH = 500


def minimise_stored_fields() -> None:
    notifications = sa.table("notifications", sa.column("id", sa.Integer), sa.column("fields", sa.JSON))
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(notifications.c.id, notifications.c.fields)
            .where(notifications.c.id > last_id)
            .order_by(notifications.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row_id, fields in rows:
            if isinstance(fields, str):  # a JSON column read back as text by an old driver
                fields = json.loads(fields)
            kept = {k: v for k, v in (fields or {}).items() if k in KEPT}
            if kept != fields:
                connection.execute(
                    notifications.update().where(notifications.c.id == row_id).values(fields=kept)
                )
        last_id = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("returned_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_attempt_id"), ["attempt_id"], unique=False)
    minimise_stored_fields()


def downgrade() -> None:
    # The removed fields are gone for good; only the schema goes back.
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_attempt_id"))
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.drop_column("returned_at")
