"""outbox content sealed at rest, cleared once sent, rebuildable from a recipe

Bodies and MIME of unsent rows are encrypted (see accessreq/notifications/sealing.py) with the
running app's SECRET_KEY; sent rows lose their content. Older rows get a recipe where one can
be worked out from what they already name (a request, a report, a staff address).

Revision ID: b7d0e1c2f3a4
Revises: a8c3e55109b1
Create Date: 2026-11-30 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d0e1c2f3a4'
down_revision = 'a8c3e55109b1'
branch_labels = None
depends_on = None

# Templates rebuilt from the request alone.
_REQUEST_ONLY = ("request_received", "staff_new_request", "staff_attendee_message",
                 "staff_attendee_cancelled")
_REPORT = ("staff_accessibility_report", "accessibility_report_received")

outbox = sa.table(
    "outgoing_email", sa.column("id", sa.Integer), sa.column("template", sa.String),
    sa.column("to_address", sa.String), sa.column("status", sa.String),
    sa.column("created_at", sa.DateTime), sa.column("request_id", sa.Integer),
    sa.column("report_id", sa.Integer), sa.column("recipe", sa.JSON),
    sa.column("body_text", sa.Text), sa.column("body_html", sa.Text),
    sa.column("mime", sa.LargeBinary), sa.column("sealed_text", sa.LargeBinary),
    sa.column("sealed_html", sa.LargeBinary), sa.column("sealed_mime", sa.LargeBinary),
)
report = sa.table("accessibility_report", sa.column("id", sa.Integer),
                  sa.column("email", sa.String), sa.column("created_at", sa.DateTime))
staff = sa.table("staff_user", sa.column("id", sa.Integer), sa.column("email", sa.String))


def _recipe(bind, row):
    if row.template in _REQUEST_ONLY and row.request_id is not None:
        return {"request_id": row.request_id}, None
    if row.template == "staff_invite":
        staff_id = bind.scalar(sa.select(staff.c.id).where(
            sa.func.lower(staff.c.email) == row.to_address.lower()))
        return ({"staff_id": staff_id} if staff_id else None), None
    if row.template in _REPORT:
        query = sa.select(report.c.id).where(report.c.created_at <= row.created_at)
        if row.template == "accessibility_report_received":
            query = query.where(report.c.email == row.to_address)
        report_id = bind.scalar(query.order_by(report.c.created_at.desc()).limit(1))
        return ({"report_id": report_id} if report_id else None), report_id
    return None, None


def upgrade():
    from accessreq.notifications.sealing import seal

    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_text', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('sealed_html', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('sealed_mime', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('recipe', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('report_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outgoing_email_report_id'), ['report_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outgoing_email_report_id_accessibility_report'),
                                    'accessibility_report', ['report_id'], ['id'], ondelete='SET NULL')

    bind = op.get_bind()
    for row in bind.execute(sa.select(outbox)).all():
        recipe, report_id = _recipe(bind, row)
        values = {"recipe": recipe, "report_id": report_id}
        if row.status != "sent":  # sent rows keep no content from now on
            values.update(sealed_text=seal((row.body_text or "").encode()),
                          sealed_html=seal((row.body_html or "").encode()),
                          sealed_mime=seal(row.mime) if row.mime is not None else None)
        bind.execute(sa.update(outbox).where(outbox.c.id == row.id).values(**values))

    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.drop_column('body_text')
        batch_op.drop_column('body_html')
        batch_op.drop_column('mime')


def downgrade():
    from accessreq.notifications.sealing import ContentUnreadable, unseal

    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('mime', sa.LargeBinary(), nullable=True))

    def opened(sealed):
        try:
            return unseal(sealed) if sealed is not None else None
        except ContentUnreadable:
            return None

    bind = op.get_bind()
    for row in bind.execute(sa.select(outbox)).all():
        text, html = opened(row.sealed_text), opened(row.sealed_html)
        bind.execute(sa.update(outbox).where(outbox.c.id == row.id).values(
            body_text=text.decode() if text else "[deleted]",
            body_html=html.decode() if html else "[deleted]",
            mime=opened(row.sealed_mime)))

    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.alter_column('body_text', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('body_html', existing_type=sa.Text(), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_outgoing_email_report_id_accessibility_report'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outgoing_email_report_id'))
        batch_op.drop_column('report_id')
        batch_op.drop_column('recipe')
        batch_op.drop_column('sealed_mime')
        batch_op.drop_column('sealed_html')
        batch_op.drop_column('sealed_text')
