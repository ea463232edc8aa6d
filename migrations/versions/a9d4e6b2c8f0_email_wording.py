"""email wording admins may change (provider emails, follow-ups), defaults in code

Revision ID: a9d4e6b2c8f0
Revises: a8d4f1c6e2b7
Create Date: 2026-12-01 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9d4e6b2c8f0'
down_revision = 'a8d4f1c6e2b7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('email_wording',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.Enum('provider_ask', 'provider_confirm', 'provider_cancel', 'followup_apology', 'followup_recording', 'followup_transcript', name='wordingkey', native_enum=False, length=32), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['staff_user.id'], name=op.f('fk_email_wording_updated_by_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_wording')),
    sa.UniqueConstraint('key', name=op.f('uq_email_wording_key'))
    )


def downgrade():
    op.drop_table('email_wording')
