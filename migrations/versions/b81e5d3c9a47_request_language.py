"""The language each request was made in

Revision ID: b81e5d3c9a47
Revises: a7c4e2f9d1b3
Create Date: 2026-12-01 22:00:00

Attendee pages and emails are translated (Spanish, Hebrew); a request keeps the language its
attendee used, so every email to them is written in it. Earlier requests were made in English.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b81e5d3c9a47'
down_revision = 'a7c4e2f9d1b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('access_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='en',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('access_request', schema=None) as batch_op:
        batch_op.drop_column('language')
