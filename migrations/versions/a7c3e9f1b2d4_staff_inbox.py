"""staff inbox: unmatched mail belongs to a team; a log of who opened or acted on a stored
email

Revision ID: a7c3e9f1b2d4
Revises: d5b8e1a3c7f2
Create Date: 2026-12-01 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e9f1b2d4'
down_revision = 'd5b8e1a3c7f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_inbound_message_team_id'), ['team_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_inbound_message_team_id_team'), 'team', ['team_id'], ['id'], ondelete='SET NULL')

    op.create_table('inbound_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_message.id'], name=op.f('fk_inbound_log_inbound_id_inbound_message'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_inbound_log_staff_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_log'))
    )
    with op.batch_alter_table('inbound_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_log_inbound_id'), ['inbound_id'], unique=False)


def downgrade():
    with op.batch_alter_table('inbound_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_log_inbound_id'))
    op.drop_table('inbound_log')

    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inbound_message_team_id_team'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_inbound_message_team_id'))
        batch_op.drop_column('team_id')
