"""case list index for officers whose jurisdiction spans every district

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

SUBMITTED = sa.text("status <> 'draft'")


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_submitted', ['workflow', 'status', 'submitted_at', 'id'],
                              unique=False, postgresql_where=SUBMITTED, sqlite_where=SUBMITTED)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_submitted')
