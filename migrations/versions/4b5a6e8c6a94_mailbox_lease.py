"""mailbox lease: one IMAP fetcher per mailbox at a time

Revision ID: 4b5a6e8c6a94
Revises: 5e2b9c7a41d8
Create Date: 2026-12-01 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4b5a6e8c6a94'
down_revision = '5e2b9c7a41d8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mailbox_lease',
    sa.Column('mailbox', sa.String(length=500), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('mailbox', name=op.f('pk_mailbox_lease'))
    )


def downgrade():
    op.drop_table('mailbox_lease')
