"""providers: the agencies and freelancers an access team books

Revision ID: e2b6d4f8a1c9
Revises: 4b5a6e8c6a94
Create Date: 2026-12-01 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2b6d4f8a1c9'
down_revision = '4b5a6e8c6a94'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('sign_language', 'captioning', 'audio_description', 'print_braille', 'equipment', 'other', name='providerkind', native_enum=False, length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('cancellation_terms', sa.String(length=300), nullable=False),
    sa.Column('free_cancellation_hours', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider'))
    )
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_provider_kind'), ['kind'], unique=False)


def downgrade():
    with op.batch_alter_table('provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_kind'))
        batch_op.drop_index(batch_op.f('ix_provider_active'))

    op.drop_table('provider')
