"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 03:34:55.380683
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('brand', sa.String(length=32), nullable=False),
    sa.Column('ecwid_store_id', sa.BigInteger(), nullable=False),
    sa.Column('admin_lang', sa.String(length=8), nullable=False),
    sa.Column('ecwid_token_enc', sa.Text(), nullable=True),
    sa.Column('site_id', sa.String(length=8), nullable=False),
    sa.Column('key_test_enc', sa.Text(), nullable=True),
    sa.Column('key_prod_enc', sa.Text(), nullable=True),
    sa.Column('ctx_mode', sa.String(length=10), nullable=False),
    sa.Column('sign_algo', sa.String(length=16), nullable=False),
    sa.Column('default_language', sa.String(length=2), nullable=False),
    sa.Column('available_languages', sa.String(length=64), nullable=False),
    sa.Column('capture_delay', sa.Integer(), nullable=True),
    sa.Column('validation_mode', sa.String(length=1), nullable=True),
    sa.Column('threeds_manage', sa.Boolean(), nullable=False),
    sa.Column('threeds_max_amount', sa.Numeric(precision=18, scale=3), nullable=True),
    sa.Column('redirect_enabled', sa.Boolean(), nullable=False),
    sa.Column('redirect_success_timeout', sa.Integer(), nullable=False),
    sa.Column('redirect_success_message', sa.String(length=255), nullable=False),
    sa.Column('redirect_error_timeout', sa.Integer(), nullable=False),
    sa.Column('redirect_error_message', sa.String(length=255), nullable=False),
    sa.Column('production_used_at', sa.DateTime(), nullable=True),
    sa.Column('ipn_failure_at', sa.DateTime(), nullable=True),
    sa.Column('ipn_last_seen_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stores')),
    sa.UniqueConstraint('brand', 'ecwid_store_id', name=op.f('uq_stores_brand'))
    )
    op.create_table('trans_id_counters',
    sa.Column('site_id', sa.String(length=8), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('site_id', 'day', name=op.f('pk_trans_id_counters'))
    )
    op.create_table('payment_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('ecwid_order_id', sa.String(length=64), nullable=False),
    sa.Column('reference_transaction_id', sa.String(length=128), nullable=False),
    sa.Column('return_url', sa.Text(), nullable=False),
    sa.Column('ecwid_token_enc', sa.Text(), nullable=True),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('currency_numeric', sa.String(length=3), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('site_id', sa.String(length=8), nullable=False),
    sa.Column('sign_algo', sa.String(length=16), nullable=False),
    sa.Column('trans_date', sa.DateTime(), nullable=False),
    sa.Column('trans_day', sa.Date(), nullable=False),
    sa.Column('trans_id', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('gateway_status', sa.String(length=40), nullable=True),
    sa.Column('gateway_trans_uuid', sa.String(length=64), nullable=True),
    sa.Column('status_seq', sa.BigInteger(), nullable=False),
    sa.Column('notified_at', sa.DateTime(), nullable=True),
    sa.Column('attention', sa.String(length=255), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_payment_attempts_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_attempts')),
    sa.UniqueConstraint('public_id', name=op.f('uq_payment_attempts_public_id')),
    sa.UniqueConstraint('site_id', 'trans_day', 'trans_id', name=op.f('uq_payment_attempts_site_id'))
    )
    with op.batch_alter_table('payment_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_payment_attempts_order', ['store_id', 'reference_transaction_id'], unique=False)

    op.create_table('ecwid_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('ecwid_store_id', sa.String(length=32), nullable=False),
    sa.Column('reference_transaction_id', sa.String(length=128), nullable=False),
    sa.Column('ecwid_order_id', sa.String(length=64), nullable=False),
    sa.Column('payment_status', sa.String(length=32), nullable=False),
    sa.Column('external_transaction_id', sa.String(length=64), nullable=True),
    sa.Column('payment_message', sa.String(length=255), nullable=True),
    sa.Column('token_enc', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('dead_at', sa.DateTime(), nullable=True),
    sa.Column('alerted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['payment_attempts.id'], name=op.f('fk_ecwid_updates_attempt_id_payment_attempts')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_ecwid_updates_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecwid_updates'))
    )
    with op.batch_alter_table('ecwid_updates', schema=None) as batch_op:
        batch_op.create_index('ix_ecwid_updates_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_ecwid_updates_order', ['store_id', 'reference_transaction_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('site_id', sa.String(length=8), nullable=False),
    sa.Column('ctx_mode', sa.String(length=10), nullable=False),
    sa.Column('trans_id', sa.String(length=6), nullable=False),
    sa.Column('trans_date', sa.String(length=14), nullable=False),
    sa.Column('trans_status', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('operation_type', sa.String(length=20), nullable=False),
    sa.Column('trans_uuid', sa.String(length=64), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency_numeric', sa.String(length=3), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('processed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['payment_attempts.id'], name=op.f('fk_notifications_attempt_id_payment_attempts')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_notifications_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_table('transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=False),
    sa.Column('to_status', sa.String(length=24), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('trans_status', sa.String(length=40), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['payment_attempts.id'], name=op.f('fk_transitions_attempt_id_payment_attempts')),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_transitions_notification_id_notifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transitions'))
    )
    with op.batch_alter_table('transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transitions_attempt_id'), ['attempt_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transitions_attempt_id'))

    op.drop_table('transitions')
    op.drop_table('notifications')
    with op.batch_alter_table('ecwid_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_ecwid_updates_order')
        batch_op.drop_index('ix_ecwid_updates_due')

    op.drop_table('ecwid_updates')
    with op.batch_alter_table('payment_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_attempts_order')

    op.drop_table('payment_attempts')
    op.drop_table('trans_id_counters')
    op.drop_table('stores')
