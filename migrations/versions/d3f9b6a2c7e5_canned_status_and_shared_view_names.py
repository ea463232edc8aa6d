"""canned replies go with the status they move a request to; shared saved views' names
unique too

Revision ID: d3f9b6a2c7e5
Revises: c8d2f5a1e9b4
Create Date: 2026-12-01 11:40:00

A canned reply's status used to mean "offered on requests in this status"; it now means the
status the reply goes with (chosen with it in the composer), and no request moves to
"submitted", so a reply that named it goes with no status. The unique constraint on
(owner_id, name) let two shared views (no owner: NULLs never clash) take one name; a partial
unique index on the shared views' names closes that.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3f9b6a2c7e5'
down_revision = 'c8d2f5a1e9b4'
branch_labels = None
depends_on = None

canned = sa.table('canned_reply', sa.column('status', sa.String))


def upgrade():
    op.execute(canned.update().where(canned.c.status == 'submitted').values(status=None))
    op.create_index('uq_saved_view_shared_name', 'saved_view', ['name'], unique=True,
                    postgresql_where=sa.text('owner_id IS NULL'),
                    sqlite_where=sa.text('owner_id IS NULL'))


def downgrade():
    op.drop_index('uq_saved_view_shared_name', table_name='saved_view')
