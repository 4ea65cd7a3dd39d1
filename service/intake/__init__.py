"""Intake: tickets arrive from the citizen portal, the hotline console and the JSON API."""
