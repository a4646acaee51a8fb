"""双公示: the publication queue of licensing decisions and its published batches

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 14:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('publicity_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('division_code', sa.String(length=6), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_by_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publicity_batches'))
    )
    op.create_table('publicity_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('division_code', sa.String(length=6), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_publicity_items_agency_id_agencies')),
    sa.ForeignKeyConstraint(['batch_id'], ['publicity_batches.id'], name=op.f('fk_publicity_items_batch_id_publicity_batches')),
    sa.ForeignKeyConstraint(['division_code'], ['divisions.code'], name=op.f('fk_publicity_items_division_code_divisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publicity_items'))
    )
    with op.batch_alter_table('publicity_items', schema=None) as batch_op:
        batch_op.create_index('ix_publicity_items_queue', ['status', 'division_code', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_publicity_items_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_publicity_items_batch_id'), ['batch_id'], unique=False)


def downgrade():
    with op.batch_alter_table('publicity_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publicity_items_batch_id'))
        batch_op.drop_index(batch_op.f('ix_publicity_items_agency_id'))
        batch_op.drop_index('ix_publicity_items_queue')

    op.drop_table('publicity_items')
    op.drop_table('publicity_batches')
