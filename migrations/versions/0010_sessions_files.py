"""server-side sessions, used back-channel logout tokens, files stored in the database

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 06:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stored_files',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_stored_files'))
    )
    op.create_table('plugin_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('sub', sa.String(length=255), nullable=True),
    sa.Column('sid', sa.String(length=255), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plugin_sessions'))
    )
    with op.batch_alter_table('plugin_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plugin_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_plugin_sessions_sid'), ['sid'], unique=False)
        batch_op.create_index(batch_op.f('ix_plugin_sessions_sub'), ['sub'], unique=False)

    op.create_table('used_logout_tokens',
    sa.Column('jti', sa.String(length=255), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('jti', name=op.f('pk_used_logout_tokens'))
    )
    with op.batch_alter_table('used_logout_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_logout_tokens_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('used_logout_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_logout_tokens_expires_at'))
    op.drop_table('used_logout_tokens')
    with op.batch_alter_table('plugin_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plugin_sessions_sub'))
        batch_op.drop_index(batch_op.f('ix_plugin_sessions_sid'))
        batch_op.drop_index(batch_op.f('ix_plugin_sessions_expires_at'))
    op.drop_table('plugin_sessions')
    op.drop_table('stored_files')
