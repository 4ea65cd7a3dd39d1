"""Service-level deadlines: working-day calendar arithmetic and policy clocks."""
