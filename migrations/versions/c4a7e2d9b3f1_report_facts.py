"""facts the reports need on each request: received late, first arranged, shortfall reason

Revision ID: c4a7e2d9b3f1
Revises: b1e7c4d9a2f6
Create Date: 2026-12-01 11:00:00

Existing requests get ``first_arranged_at`` from their history (the first move to
"arranged") and ``received_late`` from the same rule as ``AccessRequest.was_late`` (asked for
after the due day, both days in the event's time zone). Their shortfall reason stays empty:
nobody chose one then, and the reports say so.
"""
from datetime import timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4a7e2d9b3f1'
down_revision = 'b1e7c4d9a2f6'
branch_labels = None
depends_on = None

request = sa.table('access_request', sa.column('id', sa.Integer),
                   sa.column('event_id', sa.Integer),
                   sa.column('created_at', sa.DateTime(timezone=True)),
                   sa.column('due_at', sa.DateTime(timezone=True)),
                   sa.column('received_late', sa.Boolean),
                   sa.column('first_arranged_at', sa.DateTime(timezone=True)))
event = sa.table('event', sa.column('id', sa.Integer), sa.column('timezone', sa.String))
history = sa.table('history_entry', sa.column('request_id', sa.Integer),
                   sa.column('kind', sa.String), sa.column('to_status', sa.String),
                   sa.column('at', sa.DateTime(timezone=True)))


def _local_day(moment, zone):
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone).date()


def upgrade():
    with op.batch_alter_table('access_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_late', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('first_arranged_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('shortfall_reason', sa.String(length=16), nullable=True))

    first = (sa.select(sa.func.min(history.c.at))
             .where(history.c.request_id == request.c.id, history.c.kind == 'status_changed',
                    history.c.to_status == 'arranged')
             .scalar_subquery())
    op.execute(request.update().values(first_arranged_at=first))

    bind = op.get_bind()
    late_ids, zones = [], {}
    rows = bind.execute(sa.select(request.c.id, request.c.created_at, request.c.due_at,
                                  event.c.timezone)
                        .join(event, event.c.id == request.c.event_id))
    for request_id, created_at, due_at, tz_name in rows:
        zone = zones.setdefault(tz_name, ZoneInfo(tz_name or 'UTC'))
        if _local_day(created_at, zone) > _local_day(due_at, zone):
            late_ids.append(request_id)
    for start in range(0, len(late_ids), 500):
        bind.execute(request.update().where(request.c.id.in_(late_ids[start:start + 500]))
                     .values(received_late=True))


def downgrade():
    with op.batch_alter_table('access_request', schema=None) as batch_op:
        batch_op.drop_column('shortfall_reason')
        batch_op.drop_column('first_arranged_at')
        batch_op.drop_column('received_late')
