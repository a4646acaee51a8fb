"""licence expiry: indexes for the daily lifecycle run, the 即将到期 list and the 有效 counts

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 13:45:00

Expiry is computed on read (License.in_force / effective_status); `flask lifecycle run` finds
licences stored valid past their 有效期至, and the 即将到期 list reads valid licences by their
end date: both by (status, valid_until). The 查看 list's 有效 filter is now "stored valid and not
past its end": its count joins licences to the district's agencies, read from
(status, agency_id, valid_until) alone as 0013's (status, agency_id) served the plain status
(tests/lists/test_plans.py). The licence status has no CHECK constraint, so the recorded
`expired` needs no DDL.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('licenses', schema=None) as batch_op:
        batch_op.create_index('ix_licenses_status_valid_until', ['status', 'valid_until'],
                              unique=False)
        batch_op.create_index('ix_licenses_status_agency_until',
                              ['status', 'agency_id', 'valid_until'], unique=False)


def downgrade():
    with op.batch_alter_table('licenses', schema=None) as batch_op:
        batch_op.drop_index('ix_licenses_status_agency_until')
        batch_op.drop_index('ix_licenses_status_valid_until')
