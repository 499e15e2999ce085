"""Alerts: what changed since the newsroom was last told, written to an outbox, then delivered (Slack or terminal)."""
