"""webhook endpoints and their deliveries (issue 14)

Revision ID: e7a1c4f9b2d6
Revises: d3f9b6a2c7e5
Create Date: 2026-12-01 17:05:00

Admins register endpoints; deliveries are queued in the same transaction as the change that
causes them and sent by `flask webhooks send`.
"""
from alembic import op
import sqlalchemy as sa

import accessreq.columns


# revision identifiers, used by Alembic.
revision = 'e7a1c4f9b2d6'
down_revision = 'd3f9b6a2c7e5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'webhook_endpoint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('sealed_secret', sa.LargeBinary(), nullable=False),
        sa.Column('allow_personal_text', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', accessreq.columns.UTCDateTime(), nullable=False),
        sa.Column('secret_rotated_at', accessreq.columns.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoint')),
    )
    op.create_table(
        'webhook_delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=36), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('event_type', sa.String(length=64), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('state', sa.Enum('pending', 'sending', 'sent', 'dead',
                                   name='deliverystate', native_enum=False, length=16),
                  nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', accessreq.columns.UTCDateTime(), nullable=False),
        sa.Column('last_attempt_at', accessreq.columns.UTCDateTime(), nullable=True),
        sa.Column('last_status_code', sa.Integer(), nullable=True),
        sa.Column('last_response', sa.Text(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('claimed_at', accessreq.columns.UTCDateTime(), nullable=True),
        sa.Column('claim_token', sa.String(length=32), nullable=True),
        sa.Column('created_at', accessreq.columns.UTCDateTime(), nullable=False),
        sa.Column('sent_at', accessreq.columns.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoint.id'],
                                name=op.f('fk_webhook_delivery_endpoint_id_webhook_endpoint'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
        sa.UniqueConstraint('uid', name=op.f('uq_webhook_delivery_uid')),
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_delivery_claim_token'), ['claim_token'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_delivery_endpoint_id'), ['endpoint_id'],
                              unique=False)
        batch_op.create_index('ix_webhook_delivery_state_next_attempt_at',
                              ['state', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_delivery_state_next_attempt_at')
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_endpoint_id'))
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_claim_token'))
    op.drop_table('webhook_delivery')
    op.drop_table('webhook_endpoint')
