"""list indexes: every list's page and count read by index at any depth and any jurisdiction

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 06:30:00

The lists page by keyset (core.paging): each needs an index in its own order, led by what
narrows it. Checked by tests/lists/test_plans.py (EXPLAIN of every list, district and city).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

INDEXES = (
    # A district's case list with every status its step offers (受理 without a status
    # chosen), newest first: read backwards, no sort of the district's whole history.
    ('ix_cases_division_submitted', 'cases', ['workflow', 'division_code', 'submitted_at', 'id']),
    # 机构管理 and the 查看 lists (licences, filings joined to their agency): a district's
    # agencies in id order, read from the index alone.
    ('ix_agencies_division_id', 'agencies', ['division_code', 'id']),
    # … and their records of one status counted from the indexes alone (agency_id's own
    # index serves the lists without a status).
    ('ix_licenses_status_agency', 'licenses', ['status', 'agency_id']),
    ('ix_filings_status_agency', 'filings', ['status', 'agency_id']),
    # 注销单位行政许可 across a city's districts, the latest decision first.
    ('ix_revocations_decided', 'revocations', ['decision_date', 'id']),
)


SUBMITTED = sa.text("status <> 'draft'")


def upgrade():
    for name, table, columns in INDEXES:
        where = {'postgresql_where': SUBMITTED, 'sqlite_where': SUBMITTED} if table == 'cases' else {}
        op.create_index(name, table, columns, unique=False, **where)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
