"""The secretary's desk: leaders' instructions, assignments, handovers, follow-up, assigned tasks."""
