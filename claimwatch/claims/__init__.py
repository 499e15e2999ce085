"""The claim catalog: wording rules, indicators and verdicts."""
