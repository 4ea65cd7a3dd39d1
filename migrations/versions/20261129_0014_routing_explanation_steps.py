"""routing decisions keep their reasons as data

A decision's explanation is stored as steps (kind + codes, versions, scores) and put into words
in the page's language when shown; the English text stays beside it. Older decisions have no
steps (NULL) and show their text.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('routing_decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('explanation_steps', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('routing_decision', schema=None) as batch_op:
        batch_op.drop_column('explanation_steps')
