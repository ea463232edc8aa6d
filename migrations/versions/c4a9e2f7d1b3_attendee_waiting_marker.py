"""the attendee is waiting for us: a marker on the request and an index for its queue filter

Set when the attendee adds a message; cleared when a member of the request's team opens it or
staff reply. Requests already waiting when this runs are not marked (nothing recorded which
message was read), so the column starts empty.

Revision ID: c4a9e2f7d1b3
Revises: c4a9e2d7f1b3
Create Date: 2026-11-30 23:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4a9e2f7d1b3'
down_revision = 'c4a9e2d7f1b3'
branch_labels = None
depends_on = None

_WAITING = sa.text("attendee_waiting_since IS NOT NULL")


def upgrade():
    with op.batch_alter_table('access_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attendee_waiting_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_access_request_waiting_due_at', ['due_at', 'id'], unique=False,
                              postgresql_where=_WAITING, sqlite_where=_WAITING)


def downgrade():
    with op.batch_alter_table('access_request', schema=None) as batch_op:
        batch_op.drop_index('ix_access_request_waiting_due_at', postgresql_where=_WAITING,
                            sqlite_where=_WAITING)
        batch_op.drop_column('attendee_waiting_since')
