"""access log indexes

Views are counted once per person per request per ten minutes: the check before each insert
reads (staff, request, action, time). Admins read the whole log newest first.

Revision ID: c4a9e2d7f1b3
Revises: c3f1a9d2e8b7
Create Date: 2026-11-30 23:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4a9e2d7f1b3'
down_revision = 'c3f1a9d2e8b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_staff_id_request_id_action_at',
                              ['staff_id', 'request_id', 'action', 'at'], unique=False)
        batch_op.create_index('ix_access_log_at', ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_at')
        batch_op.drop_index('ix_access_log_staff_id_request_id_action_at')
