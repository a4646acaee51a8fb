"""documents: the issued written decisions, and every licence's and filing's verification key

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 14:00:00

`documents` holds each issued document's number, authority, date and a JSON snapshot of what
it prints (workflows/documents.py). `verify_key` (licences, filings) names the public
scan-to-verify page; existing rows get a fresh random key here.
"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

TABLES = ('licenses', 'filings')


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    for table in TABLES:
        # A plain ADD COLUMN, nullable (migrations only add: the previous release, still
        # running while the hosts reload, creates rows without a key; the model's default sets
        # one from this release on). SQLite's batch mode would recreate the tables (their
        # statistics triggers and AUTOINCREMENT with them), so there uniqueness is an index.
        op.add_column(table, sa.Column('verify_key', sa.String(43), nullable=True))
        rows = bind.execute(sa.text(f'SELECT id FROM {table} WHERE verify_key IS NULL')).all()
        for (row_id,) in rows:
            bind.execute(sa.text(f'UPDATE {table} SET verify_key = :key WHERE id = :id'),
                         {'key': secrets.token_urlsafe(24), 'id': row_id})
        if sqlite:
            op.create_index(f'uq_{table}_verify_key', table, ['verify_key'], unique=True)
        else:
            op.create_unique_constraint(f'uq_{table}_verify_key', table, ['verify_key'])
    op.create_table(
        'documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(30), nullable=False),
        sa.Column('number', sa.String(60), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('license_id', sa.Integer(), nullable=True),
        sa.Column('filing_id', sa.Integer(), nullable=True),
        sa.Column('credit_code', sa.String(18), nullable=True),
        sa.Column('division_code', sa.String(6), nullable=False),
        sa.Column('authority_name', sa.String(100), nullable=False),
        sa.Column('authority_credit_code', sa.String(18), nullable=True),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('facts', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name='fk_documents_case_id_cases'),
        sa.ForeignKeyConstraint(['license_id'], ['licenses.id'],
                                name='fk_documents_license_id_licenses'),
        sa.ForeignKeyConstraint(['filing_id'], ['filings.id'],
                                name='fk_documents_filing_id_filings'),
        sa.PrimaryKeyConstraint('id', name='pk_documents'),
        sa.UniqueConstraint('kind', 'number', 'version', name='uq_documents_kind_number_version'),
    )
    op.create_index('ix_documents_case', 'documents', ['case_id'])
    op.create_index('ix_documents_license', 'documents', ['license_id'])
    op.create_index('ix_documents_filing', 'documents', ['filing_id'])


def downgrade():
    op.drop_table('documents')
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in reversed(TABLES):
        if sqlite:
            op.drop_index(f'uq_{table}_verify_key', table_name=table)
            op.execute(f'ALTER TABLE {table} DROP COLUMN verify_key')
        else:
            op.drop_constraint(f'uq_{table}_verify_key', table, type_='unique')
            op.drop_column(table, 'verify_key')
