"""stores.ecwid_token_proven_at: when Ecwid last confirmed the stored token

Revision ID: 0002_store_token_proof
Revises: 0001
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0002_store_token_proof"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("ecwid_token_proven_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("ecwid_token_proven_at")
