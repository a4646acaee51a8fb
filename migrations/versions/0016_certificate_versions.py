"""licences: certificate versions (换发 / 补发) and 补发 requests; branch records linked to
their parent's; job fairs: sessions and the 待补安全许可 state

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 14:00:00

"""
import importlib.util
import os

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def _migration(name):
    """An earlier migration's module (its helpers), loaded from the file beside this one."""
    path = os.path.join(os.path.dirname(__file__), name)
    spec = importlib.util.spec_from_file_location('_hrm_migration_' + name[:4], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sqlite_triggers(make):
    """SQLite copies licenses and filings to alter them: migration 0005's statistics triggers
    go before and come back after (as migration 0011 does)."""
    if op.get_bind().dialect.name == 'sqlite':
        _migration('0011_clocks_numbers.py')._sqlite_triggers(make)


# The copies stay AUTOINCREMENT tables on SQLite (migration 0011).
KEEP = {'table_kwargs': {'sqlite_autoincrement': True}}


LINKS = (('licenses', 'parent_license_id'), ('filings', 'parent_filing_id'))


def backfill(table, column):
    """Link each branch record (of an agency with a parent) to its parent's valid record."""
    return (f"UPDATE {table} SET {column} = (SELECT p.id FROM {table} p JOIN agencies a "
            f"ON a.parent_id = p.agency_id WHERE a.id = {table}.agency_id "
            f"AND p.status = 'valid' ORDER BY p.id LIMIT 1) "
            f"WHERE {column} IS NULL AND agency_id IN "
            f"(SELECT id FROM agencies WHERE parent_id IS NOT NULL)")


def upgrade():
    _sqlite_triggers(False)
    with op.batch_alter_table('licenses', schema=None, **KEEP) as batch_op:
        batch_op.add_column(sa.Column('certificate_version', sa.Integer(), nullable=False,
                                      server_default=sa.text('1')))
        batch_op.add_column(sa.Column('certificate_issued_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('parent_license_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_licenses_parent_license_id_licenses'), 'licenses',
                                    ['parent_license_id'], ['id'])
        batch_op.create_index('ix_licenses_parent_license_id', ['parent_license_id'])
    with op.batch_alter_table('filings', schema=None, **KEEP) as batch_op:
        batch_op.add_column(sa.Column('parent_filing_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_filings_parent_filing_id_filings'), 'filings',
                                    ['parent_filing_id'], ['id'])
        batch_op.create_index('ix_filings_parent_filing_id', ['parent_filing_id'])
    _sqlite_triggers(True)
    op.create_table(
        'license_versions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('license_id', sa.Integer(), sa.ForeignKey('licenses.id', name=op.f('fk_license_versions_license_id_licenses')), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=True),
        sa.Column('holder_name', sa.String(length=200), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('legal_rep', sa.String(length=100), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id', name=op.f('fk_license_versions_case_id_cases')), nullable=True),
        sa.Column('reissue_request_id', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_by_name', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('license_id', 'version', name=op.f('uq_license_versions_license_id')),
        sa.CheckConstraint("kind in ('issue', 'change', 'replacement', 'renewal')", name=op.f('ck_license_versions_kind')),
    )
    op.create_table(
        'reissue_requests',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('license_id', sa.Integer(), sa.ForeignKey('licenses.id', name=op.f('fk_reissue_requests_license_id_licenses')),
                  nullable=False, index=True),
        sa.Column('agency_id', sa.Integer(), sa.ForeignKey('agencies.id', name=op.f('fk_reissue_requests_agency_id_agencies')),
                  nullable=False),
        sa.Column('division_code', sa.String(length=6), sa.ForeignKey('divisions.code', name=op.f('fk_reissue_requests_division_code_divisions')),
                  nullable=False),
        sa.Column('cause', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('file_key', sa.String(length=255), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('decision_reason', sa.Text(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_by_name', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_name', sa.String(length=100), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("cause in ('lost', 'damaged')", name=op.f('ck_reissue_requests_cause')),
        sa.CheckConstraint("status in ('pending', 'reissued', 'returned')", name=op.f('ck_reissue_requests_status')),
    )
    op.create_index('ix_reissue_requests_division_status', 'reissue_requests',
                    ['division_code', 'status'])
    with op.batch_alter_table('job_fairs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sessions', sa.Integer(), nullable=False,
                                      server_default=sa.text('1')))
        # The permit may follow the registration now (待补安全许可): the check goes.
        batch_op.drop_constraint(op.f('ck_job_fairs_police_permit'), type_='check')
        batch_op.create_check_constraint(op.f('ck_job_fairs_sessions'), 'sessions >= 1')
    conn = op.get_bind()
    # Every licence so far is its certificate's first version, issued with it.
    conn.execute(sa.text("UPDATE licenses SET certificate_issued_on = issued_on"))
    # Branch records of a parent agency with a valid record follow that record.
    for table, column in LINKS:
        conn.execute(sa.text(backfill(table, column)))


def downgrade():
    # The old rule needs a permit number from 1000 visitors: a fair still 待补安全许可 gets a
    # placeholder that says so (the old schema cannot tell it otherwise).
    op.execute("UPDATE job_fairs SET police_permit_no = '待补安全许可' "
               "WHERE expected_visitors >= 1000 AND police_permit_no IS NULL")
    with op.batch_alter_table('job_fairs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_job_fairs_sessions'), type_='check')
        batch_op.drop_column('sessions')
        batch_op.create_check_constraint(op.f('ck_job_fairs_police_permit'),
                                         'expected_visitors < 1000 or police_permit_no is not null')
    op.drop_index('ix_reissue_requests_division_status', table_name='reissue_requests')
    op.drop_table('reissue_requests')
    op.drop_table('license_versions')
    _sqlite_triggers(False)
    with op.batch_alter_table('filings', schema=None, **KEEP) as batch_op:
        batch_op.drop_index('ix_filings_parent_filing_id')
        batch_op.drop_constraint(op.f('fk_filings_parent_filing_id_filings'), type_='foreignkey')
        batch_op.drop_column('parent_filing_id')
    with op.batch_alter_table('licenses', schema=None, **KEEP) as batch_op:
        batch_op.drop_index('ix_licenses_parent_license_id')
        batch_op.drop_constraint(op.f('fk_licenses_parent_license_id_licenses'), type_='foreignkey')
        batch_op.drop_column('parent_license_id')
        batch_op.drop_column('certificate_issued_on')
        batch_op.drop_column('certificate_version')
    _sqlite_triggers(True)
