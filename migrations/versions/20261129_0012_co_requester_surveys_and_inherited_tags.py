"""co-requester surveys and answers; inherited category tags

Survey links may belong to a co-requester, whose answers are kept in their own table (never a
second callback). Tickets filed before tags were inherited get their category's ancestors'
tags, so counts by tag read the same for old and new tickets.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 07:24:20.121124
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tags each category lacks but an ancestor has (a catalogue-sized set, usually empty:
# the seed copies parents' tags onto children), then those tags onto the tickets filed under
# such a category that do not have them yet. Each ticket stays on the tree version it was
# filed under, so ancestors are that version's.
BACKFILL_INHERITED_TAGS = """
WITH RECURSIVE lineage (category_id, ancestor_id) AS (
    SELECT id, parent_id FROM category WHERE parent_id IS NOT NULL
    UNION ALL
    SELECT lineage.category_id, category.parent_id
    FROM lineage JOIN category ON category.id = lineage.ancestor_id
    WHERE category.parent_id IS NOT NULL
),
missing (category_id, tag_code) AS (
    SELECT DISTINCT lineage.category_id, category_tag.tag_code
    FROM lineage JOIN category_tag ON category_tag.category_id = lineage.ancestor_id
    WHERE NOT EXISTS (
        SELECT 1 FROM category_tag AS own
        WHERE own.category_id = lineage.category_id AND own.tag_code = category_tag.tag_code
    )
)
INSERT INTO ticket_tag (ticket_id, tag_code)
SELECT ticket.id, missing.tag_code
FROM missing JOIN ticket ON ticket.category_id = missing.category_id
WHERE NOT EXISTS (
    SELECT 1 FROM ticket_tag AS have
    WHERE have.ticket_id = ticket.id AND have.tag_code = missing.tag_code
)
"""


def upgrade() -> None:
    with op.batch_alter_table('survey_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('co_requester_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_survey_token_co_requester_id'), ['co_requester_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_survey_token_co_requester_id_co_requester'), 'co_requester', ['co_requester_id'], ['id'])

    op.create_table('co_requester_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('co_requester_id', sa.Integer(), nullable=False),
    sa.Column('survey_token_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('contacted', sa.Boolean(), nullable=False),
    sa.Column('resolved', sa.String(length=12), nullable=False),
    sa.Column('satisfied', sa.String(length=12), nullable=False),
    sa.Column('comment', sa.Text(), server_default='', nullable=False),
    sa.Column('decided', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['co_requester_id'], ['co_requester.id'], name=op.f('fk_co_requester_answer_co_requester_id_co_requester')),
    sa.ForeignKeyConstraint(['survey_token_id'], ['survey_token.id'], name=op.f('fk_co_requester_answer_survey_token_id_survey_token')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_co_requester_answer_ticket_id_ticket')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_co_requester_answer_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_co_requester_answer')),
    sa.UniqueConstraint('survey_token_id', name=op.f('uq_co_requester_answer_survey_token_id'))
    )
    with op.batch_alter_table('co_requester_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_co_requester_answer_co_requester_id'), ['co_requester_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_co_requester_answer_ticket_id'), ['ticket_id'], unique=False)

    op.execute(BACKFILL_INHERITED_TAGS)


def downgrade() -> None:
    # Inherited ticket tags stay: they are true of those tickets under either revision.
    with op.batch_alter_table('co_requester_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_co_requester_answer_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_co_requester_answer_co_requester_id'))

    op.drop_table('co_requester_answer')

    # Co-requesters' links would read as the requester's without their column.
    op.execute("DELETE FROM survey_token WHERE co_requester_id IS NOT NULL")
    with op.batch_alter_table('survey_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_survey_token_co_requester_id_co_requester'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_survey_token_co_requester_id'))
        batch_op.drop_column('co_requester_id')
