"""licence expiry: an index for the daily lifecycle run and the 即将到期 list

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-02 13:45:00

Expiry is computed on read (License.in_force / effective_status); `flask lifecycle run` finds
licences stored valid past their 有效期至, and the 即将到期 list reads valid licences by their
end date: both by (status, valid_until). The licence status has no CHECK constraint, so the
recorded `expired` needs no DDL.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('licenses', schema=None) as batch_op:
        batch_op.create_index('ix_licenses_status_valid_until', ['status', 'valid_until'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('licenses', schema=None) as batch_op:
        batch_op.drop_index('ix_licenses_status_valid_until')
