"""outcomes: what happened to each requested accommodation after the event, and the attendee's
answer to "did this meet your needs?"

Revision ID: a8d4f1c6e2b7
Revises: f3c7a2e9b5d1
Create Date: 2026-12-01 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8d4f1c6e2b7'
down_revision = 'f3c7a2e9b5d1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('requested_accommodation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.Enum('delivered', 'partly', 'not_delivered', 'did_not_come', name='itemoutcome', native_enum=False, length=16), nullable=True))
        batch_op.add_column(sa.Column('outcome_reason', sa.Enum('provider_cancelled', 'not_booked', 'equipment', 'not_passed_on', 'venue', 'event_changed', 'other', name='outcomereason', native_enum=False, length=32), nullable=True))
        batch_op.add_column(sa.Column('outcome_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('outcome_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('outcome_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_requested_accommodation_outcome_by_id_staff_user'), 'staff_user', ['outcome_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('access_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_met', sa.Enum('yes', 'partly', 'no', name='needsmet', native_enum=False, length=16), nullable=True))
        batch_op.add_column(sa.Column('needs_met_comment', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('needs_met_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('access_request', schema=None) as batch_op:
        batch_op.drop_column('needs_met_at')
        batch_op.drop_column('needs_met_comment')
        batch_op.drop_column('needs_met')

    with op.batch_alter_table('requested_accommodation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_requested_accommodation_outcome_by_id_staff_user'), type_='foreignkey')
        batch_op.drop_column('outcome_by_id')
        batch_op.drop_column('outcome_at')
        batch_op.drop_column('outcome_note')
        batch_op.drop_column('outcome_reason')
        batch_op.drop_column('outcome')
