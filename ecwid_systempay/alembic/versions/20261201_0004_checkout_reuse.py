"""payment_attempts.form_digest: a replayed checkout answers the same signed form

Revision ID: 0004_checkout_reuse
Revises: 0003_return_data
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_checkout_reuse"
down_revision = "0003_return_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Attempts made before have no digest: they are never answered again (a new attempt is made).
    with op.batch_alter_table("payment_attempts") as batch:
        batch.add_column(sa.Column("form_digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_attempts") as batch:
        batch.drop_column("form_digest")
