"""Tickets (工单): their life cycle, event log and numbering."""
