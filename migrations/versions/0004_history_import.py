"""history import batches, and the batch of every imported agency, licence and filing

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TAGGED = ('agencies', 'licenses', 'filings')


def upgrade():
    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by', sa.String(length=100), nullable=False),
    sa.Column('uploaded_by_name', sa.String(length=100), nullable=False),
    sa.Column('division_code', sa.String(length=6), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('valid_rows', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('warning_count', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('preview', sa.JSON(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status in ('validated', 'imported', 'undone', 'failed')", name=op.f('ck_import_batches_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batches_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_batches_division_code'), ['division_code'], unique=False)

    for table in TAGGED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('import_batch_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_import_batch_id'), ['import_batch_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_import_batch_id_import_batches'), 'import_batches', ['import_batch_id'], ['id'])


def downgrade():
    for table in reversed(TAGGED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_import_batch_id_import_batches'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_import_batch_id'))
            batch_op.drop_column('import_batch_id')

    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batches_division_code'))
        batch_op.drop_index(batch_op.f('ix_import_batches_created_at'))

    op.drop_table('import_batches')
