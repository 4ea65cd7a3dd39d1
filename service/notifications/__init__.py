"""Notifications: messages go to an outbox in the request's transaction; a job delivers them."""
