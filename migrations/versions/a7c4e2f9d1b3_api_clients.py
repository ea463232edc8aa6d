"""API clients, idempotency keys, and API reads in the access log

Revision ID: a7c4e2f9d1b3
Revises: e7a1c4f9b2d6
Create Date: 2026-12-01 17:10:00

An API client is a named bearer token (only its sha256 is stored) with scopes and an optional
team; an idempotency key keeps the first answer to a retried call. The access log names the
API client that read a request (``client_name``), so its staff member may now be empty.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c4e2f9d1b3'
down_revision = 'e7a1c4f9b2d6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_client',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('token_prefix', sa.String(length=12), nullable=False),
        sa.Column('scopes', sa.String(length=200), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'],
                                name=op.f('fk_api_client_created_by_id_staff_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_api_client_team_id_team'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_client')),
        sa.UniqueConstraint('name', name=op.f('uq_api_client_name')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_client_token_hash')),
    )
    op.create_table(
        'api_idempotency_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('response_status', sa.Integer(), nullable=False),
        sa.Column('response_body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['client_id'], ['api_client.id'],
                                name=op.f('fk_api_idempotency_key_client_id_api_client'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency_key')),
        sa.UniqueConstraint('client_id', 'key', name='uq_api_idempotency_key_client_id_key'),
    )
    op.create_index('ix_api_idempotency_key_created_at', 'api_idempotency_key', ['created_at'])
    with op.batch_alter_table('access_log') as batch_op:
        batch_op.add_column(sa.Column('client_name', sa.String(length=100), nullable=True))
        batch_op.alter_column('staff_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM access_log WHERE staff_id IS NULL")
    with op.batch_alter_table('access_log') as batch_op:
        batch_op.alter_column('staff_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('client_name')
    op.drop_index('ix_api_idempotency_key_created_at', table_name='api_idempotency_key')
    op.drop_table('api_idempotency_key')
    op.drop_table('api_client')
