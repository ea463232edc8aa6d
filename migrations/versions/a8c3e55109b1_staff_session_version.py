"""staff session version

A counter per staff account that is part of the id in every session cookie: raising it (at
sign-out, password change, deactivation or reactivation) ends every session of that person.

Revision ID: a8c3e55109b1
Revises: 88beb8a9ebc6
Create Date: 2026-11-30 19:58:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8c3e55109b1'
down_revision = '88beb8a9ebc6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
