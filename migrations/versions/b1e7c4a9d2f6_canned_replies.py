"""canned replies: replies staff send often, offered on the requests they fit

Revision ID: b1e7c4a9d2f6
Revises: a8d3f6c2e1b4
Create Date: 2026-12-01 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b1e7c4a9d2f6'
down_revision = 'a8d3f6c2e1b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('canned_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('accommodation_type_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('submitted', 'in_review', 'needs_info', 'arranged', 'partially_arranged', 'unable', 'closed', 'cancelled', name='requeststatus', native_enum=False, length=32), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['accommodation_type_id'], ['accommodation_type.id'], name=op.f('fk_canned_reply_accommodation_type_id_accommodation_type'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['staff_user.id'], name=op.f('fk_canned_reply_updated_by_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_reply'))
    )
    with op.batch_alter_table('canned_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_canned_reply_accommodation_type_id'), ['accommodation_type_id'], unique=False)


def downgrade():
    with op.batch_alter_table('canned_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_canned_reply_accommodation_type_id'))
    op.drop_table('canned_reply')
