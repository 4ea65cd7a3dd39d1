"""Intake: every way a ticket comes in (citizen portal, hotline console, APIs)."""
