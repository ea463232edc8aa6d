"""bookings: one provider for one event, covering requested accommodations; how an
accommodation is met without a booking

Revision ID: f3c7a2e9b5d1
Revises: e2b6d4f8a1c9
Create Date: 2026-12-01 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3c7a2e9b5d1'
down_revision = 'e2b6d4f8a1c9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('asked', 'confirmed', 'delivered', 'declined', 'cancelled', name='bookingstatus', native_enum=False, length=16), nullable=False),
    sa.Column('provider_reference', sa.String(length=100), nullable=False),
    sa.Column('arrival_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('estimated_cost', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('actual_cost', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('cancellation_deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('attention', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_booking_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name=op.f('fk_booking_provider_id_provider')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking'))
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_provider_id'), ['provider_id'], unique=False)

    op.create_table('booking_item',
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_booking_item_booking_id_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['requested_accommodation.id'], name=op.f('fk_booking_item_item_id_requested_accommodation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('booking_id', 'item_id', name=op.f('pk_booking_item'))
    )
    with op.batch_alter_table('booking_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_item_item_id'), ['item_id'], unique=False)

    with op.batch_alter_table('requested_accommodation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('met_by', sa.String(length=300), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('requested_accommodation', schema=None) as batch_op:
        batch_op.drop_column('met_by')

    with op.batch_alter_table('booking_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_item_item_id'))

    op.drop_table('booking_item')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_provider_id'))
        batch_op.drop_index(batch_op.f('ix_booking_event_id'))

    op.drop_table('booking')
