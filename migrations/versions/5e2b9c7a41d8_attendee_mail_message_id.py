"""attendee messages by email keep the email's Message-ID, so our next email threads under it

Revision ID: 5e2b9c7a41d8
Revises: a7c3e9f1b2d4
Create Date: 2026-12-01 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e2b9c7a41d8'
down_revision = 'a7c3e9f1b2d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('history_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_message_id', sa.String(length=250), nullable=True))


def downgrade():
    with op.batch_alter_table('history_entry', schema=None) as batch_op:
        batch_op.drop_column('mail_message_id')
