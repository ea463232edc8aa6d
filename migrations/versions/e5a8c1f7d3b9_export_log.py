"""export log: who exported requests as CSV, when, with which columns and how many rows

Revision ID: e5a8c1f7d3b9
Revises: c4a7e2d9b3f1
Create Date: 2026-12-01 10:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a8c1f7d3b9'
down_revision = 'c4a7e2d9b3f1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('export_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('run_by', sa.String(length=200), server_default='', nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('query', sa.Text(), server_default='', nullable=False),
    sa.Column('personal', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('free_text', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('row_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('complete', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_export_log_staff_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_log'))
    )
    with op.batch_alter_table('export_log', schema=None) as batch_op:
        batch_op.create_index('ix_export_log_started_at', ['started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_log_staff_id'), ['staff_id'], unique=False)


def downgrade():
    with op.batch_alter_table('export_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_log_staff_id'))
        batch_op.drop_index('ix_export_log_started_at')

    op.drop_table('export_log')
