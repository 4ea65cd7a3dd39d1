"""Supervision: metrics in SQL, rankings, frozen monthly reports, transparency, hot topics."""
