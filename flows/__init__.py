"""Prefect flows: thin wiring of claimwatch library functions into tasks and flows."""
