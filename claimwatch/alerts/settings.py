"""Where alerts go: Slack with a bot token, an incoming webhook, or (the default) the terminal only.

The token, channel and webhook URL come from the environment (or from Prefect Secret blocks, which the flows
read and pass in). They are never printed, logged or stored: the outbox keeps a fingerprint of the destination.
An article's own channel (catalog `article: channel`) is no secret: the outbox keeps it with each of its alerts.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from claimwatch.errors import ClaimwatchError

REDACTED = "[redacted]"


@dataclass(frozen=True)
class SlackSettings:
    """Slack configuration; repr and str never show the secrets."""

    token: str | None = field(default=None, repr=False)
    channel: str | None = field(default=None, repr=False)
    webhook_url: str | None = field(default=None, repr=False)
    api_url: str | None = None  # Slack Web API base URL (default https://slack.com/api/)
    timeout: float = 15.0

    def __post_init__(self):
        if self.token and not self.channel:
            raise ClaimwatchError("SLACK_BOT_TOKEN is set but SLACK_CHANNEL is not: name the channel to post in")

    @property
    def mode(self) -> str:
        """'slack' (bot token), 'webhook' or 'terminal'."""
        return "slack" if self.token else "webhook" if self.webhook_url else "terminal"

    @property
    def destination(self) -> str | None:
        """A fingerprint of where messages go, safe to store: threads continue only at the same destination."""
        target = {"slack": f"{self.api_url}|{self.channel}", "webhook": self.webhook_url}.get(self.mode)
        return f"{self.mode}:{hashlib.sha256(target.encode()).hexdigest()[:12]}" if target else None

    def destination_for(self, channel: str | None) -> str | None:
        """The fingerprint of where one alert goes: with the bot token, its article's channel when the catalog names
        one (the same fingerprint as `destination` for the configured channel); else `destination`."""
        if self.mode != "slack" or not channel:
            return self.destination
        return f"slack:{hashlib.sha256(f'{self.api_url}|{channel}'.encode()).hexdigest()[:12]}"

    def secrets(self) -> list[str]:
        return [s for s in (self.token, self.webhook_url, self.channel) if s]

    def scrub(self, text: str) -> str:
        """The text with every secret replaced (longest first, so a URL goes before a part of it)."""
        for secret in sorted(self.secrets(), key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def logger(self) -> logging.Logger:
        """A logger for slack-sdk that scrubs secrets (slack-sdk logs webhook URLs and request bodies at DEBUG)."""
        logger = logging.getLogger(f"claimwatch.slack.{(self.destination or 'terminal').replace(':', '_')}")
        if not any(isinstance(f, ScrubFilter) for f in logger.filters):
            logger.addFilter(ScrubFilter(self))
        return logger


class ScrubFilter(logging.Filter):
    """Replace secrets in every record that passes through a logger."""

    def __init__(self, settings: SlackSettings):
        super().__init__()
        self.settings = settings

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.settings.scrub(record.getMessage()), None
        return True


def settings_from_env(environ: Mapping[str, str] | None = None, **overrides) -> SlackSettings:
    """Read SLACK_BOT_TOKEN, SLACK_CHANNEL, SLACK_WEBHOOK_URL and SLACK_API_URL; explicit values win."""
    env = os.environ if environ is None else environ
    values = {
        "token": env.get("SLACK_BOT_TOKEN") or None,
        "channel": env.get("SLACK_CHANNEL") or None,
        "webhook_url": env.get("SLACK_WEBHOOK_URL") or None,
        "api_url": env.get("SLACK_API_URL") or None,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return SlackSettings(**values)


def site_url_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """Where the status site is published ($CLAIMWATCH_SITE_URL): alerts link each claim's page under it."""
    env = os.environ if environ is None else environ
    return env.get("CLAIMWATCH_SITE_URL") or None
