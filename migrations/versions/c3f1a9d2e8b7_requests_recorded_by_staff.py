"""requests recorded by staff

How each request reached us (``received_via``: the web form, or a phone call, email, visit,
video relay call, letter or other channel staff recorded), whether the attendee wants email
updates (a request recorded for someone without an email address has an empty
``contact_email`` and gets none), and the request an accessibility problem report became.

Revision ID: c3f1a9d2e8b7
Revises: b7d0e1c2f3a4
Create Date: 2026-11-30 23:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3f1a9d2e8b7'
down_revision = 'b7d0e1c2f3a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('access_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_via', sa.Enum(
            'web_form', 'phone', 'email', 'in_person', 'video_relay', 'letter', 'other',
            name='receivedvia', native_enum=False, length=32), server_default='web_form',
            nullable=False))
        batch_op.add_column(sa.Column('email_updates', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
    with op.batch_alter_table('accessibility_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_accessibility_report_request_id_access_request'),
            'access_request', ['request_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('accessibility_report', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_accessibility_report_request_id_access_request'), type_='foreignkey')
        batch_op.drop_column('request_id')
    with op.batch_alter_table('access_request', schema=None) as batch_op:
        batch_op.drop_column('email_updates')
        batch_op.drop_column('received_via')
