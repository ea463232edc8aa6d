"""daily digest: the opt-in on staff accounts and the days each digest went out

Revision ID: c8d2f5a1e9b4
Revises: e5a8c1f7d3b9
Create Date: 2026-12-01 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8d2f5a1e9b4'
down_revision = 'e5a8c1f7d3b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('daily_digest', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))

    op.create_table('digest_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('email_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['email_id'], ['outgoing_email.id'], name=op.f('fk_digest_sent_email_id_outgoing_email'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_digest_sent_staff_id_staff_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_sent')),
    sa.UniqueConstraint('staff_id', 'day', name=op.f('uq_digest_sent_staff_id'))
    )


def downgrade():
    op.drop_table('digest_sent')
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('daily_digest')
