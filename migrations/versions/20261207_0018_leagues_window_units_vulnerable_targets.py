"""window-industry units and the city's vulnerable-group targets

A unit may belong to a window industry (bank, hospital, transport, utility, government hall)
and is then also assessed in the window-industries league; NULL means it is not one. The city
sets, per vulnerable group, the monthly complaints per 10,000 residents it means to stay under.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 23:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('vulnerable_target',
    sa.Column('tag_code', sa.String(length=40), nullable=False),
    sa.Column('per_10k', sa.Float(), nullable=False),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['set_by'], ['staff_user.id'], name=op.f('fk_vulnerable_target_set_by_staff_user')),
    sa.ForeignKeyConstraint(['tag_code'], ['tag.code'], name=op.f('fk_vulnerable_target_tag_code_tag')),
    sa.PrimaryKeyConstraint('tag_code', name=op.f('pk_vulnerable_target'))
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('window_sector', sa.String(length=16), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): batch mode would copy the unit table, which other
    # tables' foreign keys point at, and fail once they hold rows.
    op.drop_column('unit', 'window_sector')

    op.drop_table('vulnerable_target')
