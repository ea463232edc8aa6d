"""phone on the day: the attendee agreed that the people running the event may phone them

Revision ID: b5e8c2d7f4a1
Revises: a9d4e6b2c8f0
Create Date: 2026-12-01 08:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5e8c2d7f4a1'
down_revision = 'a9d4e6b2c8f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('access_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_on_the_day', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('access_request', schema=None) as batch_op:
        batch_op.drop_column('phone_on_the_day')
