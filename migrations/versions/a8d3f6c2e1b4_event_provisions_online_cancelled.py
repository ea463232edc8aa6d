"""events: what is provided to everyone (event_provision), the online joining link, cancelling
an event

Revision ID: a8d3f6c2e1b4
Revises: b5e8c2d7f4a1
Create Date: 2026-12-01 06:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8d3f6c2e1b4'
down_revision = 'b5e8c2d7f4a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_provision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('accommodation_type_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('how', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['accommodation_type_id'], ['accommodation_type.id'], name=op.f('fk_event_provision_accommodation_type_id_accommodation_type'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_provision_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_provision'))
    )
    with op.batch_alter_table('event_provision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_provision_accommodation_type_id'), ['accommodation_type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_provision_event_id'), ['event_id'], unique=False)

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('online_url', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancellation_reason', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('cancellation_reason')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('online_url')

    with op.batch_alter_table('event_provision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_provision_event_id'))
        batch_op.drop_index(batch_op.f('ix_event_provision_accommodation_type_id'))

    op.drop_table('event_provision')
