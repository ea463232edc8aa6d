"""email in: stored inbound messages, history entries linked to them, threading headers and
bounces on the outbox

Revision ID: d5b8e1a3c7f2
Revises: c4a9e2f7d1b3
Create Date: 2026-12-01 00:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5b8e1a3c7f2'
down_revision = 'c4a9e2f7d1b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbound_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=300), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('source', sa.Enum('imap', 'pipe', 'catcher', name='inboundsource', native_enum=False, length=16), nullable=False),
    sa.Column('outcome', sa.Enum('matched', 'not_actioned', 'unmatched', 'auto_reply', 'bounce', 'refused', 'unreadable', name='inboundoutcome', native_enum=False, length=16), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('mailbox', sa.String(length=200), nullable=True),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
    sa.Column('uid', sa.BigInteger(), nullable=True),
    sa.Column('from_address', sa.String(length=320), nullable=False),
    sa.Column('from_name', sa.String(length=300), nullable=False),
    sa.Column('to_addresses', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('sent_date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message_id', sa.String(length=998), nullable=False),
    sa.Column('in_reply_to', sa.Text(), nullable=False),
    sa.Column('references_header', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('reply_text', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['access_request.id'], name=op.f('fk_inbound_message_request_id_access_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_message')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_inbound_message_dedupe_key'))
    )
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_message_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_message_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_message_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('history_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inbound_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_history_entry_inbound_id'), ['inbound_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_history_entry_inbound_id_inbound_message'), 'inbound_message', ['inbound_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_to', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('thread_references', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('bounced_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outgoing_email', schema=None) as batch_op:
        batch_op.drop_column('bounced_at')
        batch_op.drop_column('thread_references')
        batch_op.drop_column('reply_to')

    with op.batch_alter_table('history_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_history_entry_inbound_id_inbound_message'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_history_entry_inbound_id'))
        batch_op.drop_column('inbound_id')

    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_message_request_id'))
        batch_op.drop_index(batch_op.f('ix_inbound_message_received_at'))
        batch_op.drop_index(batch_op.f('ix_inbound_message_outcome'))

    op.drop_table('inbound_message')
