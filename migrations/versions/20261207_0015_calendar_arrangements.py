"""calendar arrangements: each year's official holidays and make-up days, and what moved

An administrator enters a year's arrangement (calendar_arrangement + one calendar_arrangement_day
per holiday or make-up working day); until then that year's deadlines are provisional. The
recompute job logs every stored deadline it moves in deadline_move.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_arrangement',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('recompute_after', sa.Integer(), nullable=True),
    sa.Column('recomputed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['entered_by_id'], ['staff_user.id'], name=op.f('fk_calendar_arrangement_entered_by_id_staff_user')),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_arrangement'))
    )
    op.create_table('calendar_arrangement_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('working', sa.Boolean(), nullable=False),
    sa.Column('holiday', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['year'], ['calendar_arrangement.year'], name=op.f('fk_calendar_arrangement_day_year_calendar_arrangement')),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_arrangement_day'))
    )
    with op.batch_alter_table('calendar_arrangement_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_arrangement_day_year'), ['year'], unique=False)

    op.create_table('deadline_move',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('clock', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('old_due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('new_due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_deadline_move_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_move'))
    )
    with op.batch_alter_table('deadline_move', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_move_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadline_move_year'), ['year'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deadline_move', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_move_year'))
        batch_op.drop_index(batch_op.f('ix_deadline_move_ticket_id'))

    op.drop_table('deadline_move')
    with op.batch_alter_table('calendar_arrangement_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_arrangement_day_year'))

    op.drop_table('calendar_arrangement_day')
    op.drop_table('calendar_arrangement')
