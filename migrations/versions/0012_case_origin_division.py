"""cases: the district a 事项变更 moves an agency away from (it sees the case; the new one decides)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 07:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable, no default: every existing case keeps its one handling district.
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin_division_code', sa.String(length=6), nullable=True))
        batch_op.create_index('ix_cases_origin', ['workflow', 'origin_division_code'], unique=False)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_origin')
        batch_op.drop_column('origin_division_code')
