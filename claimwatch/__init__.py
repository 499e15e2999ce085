"""claimwatch: keep a published article honest against the official statistics behind it."""

__version__ = "0.1.0"
