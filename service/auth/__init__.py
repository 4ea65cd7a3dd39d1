"""Staff accounts, roles and machine API keys."""
