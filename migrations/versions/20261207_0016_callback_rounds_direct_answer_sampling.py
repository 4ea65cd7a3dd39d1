"""callback rounds: every answered callback is its own row

A re-handled ticket's next callback is a new row (round 2, 3, ...) beside the first instead of
overwriting it, so each round stays in the month it was answered. Existing callbacks become
round 1. Direct-answer sampling needs no schema: its share and delay are settings and its
decisions are ticket events.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 23:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('callback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint('uq_callback_ticket_id', type_='unique')
        batch_op.create_unique_constraint('uq_callback_ticket_id_round', ['ticket_id', 'round'])
        batch_op.create_index(batch_op.f('ix_callback_ticket_id'), ['ticket_id'], unique=False)


def downgrade() -> None:
    # Only the latest round of each ticket survives a downgrade (the old one-row schema).
    op.execute(
        "DELETE FROM callback WHERE round < "
        "(SELECT max(c.round) FROM callback c WHERE c.ticket_id = callback.ticket_id)"
    )
    with op.batch_alter_table('callback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_ticket_id'))
        batch_op.drop_constraint('uq_callback_ticket_id_round', type_='unique')
        batch_op.create_unique_constraint('uq_callback_ticket_id', ['ticket_id'])
        batch_op.drop_column('round')
