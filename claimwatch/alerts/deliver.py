"""Deliver the outbox: Slack with a bot token (threads, chart upload), an incoming webhook, or the terminal.

With the bot token each alert goes to its article's channel (the outbox's `channel`, from the catalog), else the
configured one; its thread and the search for it are in that channel. A webhook is fixed to one channel by Slack:
an article's alerts go there anyway, naming the article and its channel, and the run says once per article that
its channel needs a bot token.

Exactly once to Slack: an alert is marked `sending` (committed) before it is posted, and `delivered` with Slack's
ts after. A `sending` alert found by the next run may have been accepted before a crash or timeout: with a bot
token, the channel (or the claim's thread) is searched for the alert's idempotency key, which every message
carries in its metadata, and only an alert Slack does not have is posted again. A webhook cannot be searched:
such an alert becomes `unconfirmed`, and `claimwatch alerts --resend ID` sends it again if an editor wants.
HTTP 429 is retried after Retry-After; 5xx and refused connections leave the alert `pending` for the next run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from claimwatch.alerts.compose import BLOCK_LIMIT
from claimwatch.alerts.compose import _context as compose_context
from claimwatch.alerts.outbox import Outbox
from claimwatch.alerts.settings import SlackSettings

EVENT_TYPE = "claimwatch_alert"
Printer = Callable[[str], None]


class NotSent(Exception):
    """Slack did not take the alert (5xx, 429 after retries, refused connection, an API error)."""


class Unknown(Exception):
    """The request went out but no answer came back: Slack may or may not have the alert."""


@dataclass(frozen=True)
class Delivery:
    """What one alert's delivery attempt came to."""

    alert_id: int
    status: str  # delivered | printed | pending | sending | unconfirmed
    detail: str = ""


def _network_error(exc: OSError, who: str) -> Exception:
    """A refused connection never sent anything (NotSent); any other failure may have been received (Unknown)."""
    reason = getattr(exc, "reason", exc)  # urllib wraps the socket error in URLError.reason
    if isinstance(reason, ConnectionRefusedError):
        return NotSent(f"{who} not reachable ({reason})")
    if isinstance(reason, (TimeoutError, ConnectionResetError)):
        return Unknown(f"no answer from {who} ({type(reason).__name__})")
    return Unknown(f"no answer from {who} ({reason})")


def _retry_handlers():
    # Only 429 is retried in-process. slack-sdk's default also retries dropped connections, which can post twice.
    return [RateLimitErrorRetryHandler(max_retry_count=2)]


class BotPoster:
    """chat.postMessage with Block Kit blocks, threads per claim, the chart uploaded into the thread."""

    via = "slack"

    def __init__(self, settings: SlackSettings):
        self.settings = settings
        self.client = WebClient(token=settings.token, base_url=settings.api_url or "https://slack.com/api/",
                                timeout=int(max(1, settings.timeout)), logger=settings.logger(),
                                retry_handlers=_retry_handlers())

    def channel(self, alert: dict) -> str:
        """The alert's article's channel, else the configured one."""
        return alert.get("channel") or self.settings.channel

    def post(self, alert: dict, thread_ts: str | None) -> tuple[str, str | None]:
        """Post the alert in its channel; return its ts and the chart's file id (None when there is no chart or it
        failed)."""
        response = self._call(lambda: self.client.chat_postMessage(
            channel=self.channel(alert), text=alert["text"], blocks=json.loads(alert["blocks"]),
            thread_ts=thread_ts, reply_broadcast=True if thread_ts and alert["kind"] == "correction" else None,
            unfurl_links=False, unfurl_media=False, metadata={"event_type": EVENT_TYPE, "event_payload": {"key": alert["idempotency_key"]}}))
        ts = response["ts"]
        if not alert.get("chart"):
            return ts, None
        try:  # the message is delivered: a failed upload must not make it look undelivered
            upload = self.client.files_upload_v2(
                channel=response["channel"], thread_ts=thread_ts or ts, content=bytes(alert["chart"]),
                filename=f"{alert['claim_id'] or 'chart'}.png", title=f"{alert['claim_id']}: indicator and claimed level")
            return ts, upload["file"]["id"]
        except Exception:  # noqa: BLE001 - reported by the missing file id
            return ts, None

    def note(self, alert: dict, text: str, blocks: list[dict], thread_ts: str) -> str | None:
        """Post a pointer in a claim's thread (in the alert's channel); its ts, or None when it failed (the alert
        itself is delivered)."""
        try:
            return self._call(lambda: self.client.chat_postMessage(
                channel=self.channel(alert), text=text, blocks=blocks, thread_ts=thread_ts,
                unfurl_links=False, unfurl_media=False))["ts"]
        except (NotSent, Unknown):
            return None

    def find(self, alert: dict, thread_ts: str | None) -> str | None:
        """The ts of a message carrying this alert's key, if Slack already has it."""
        since = alert["last_attempt_at"] - timedelta(minutes=5) if alert["last_attempt_at"] else None
        if thread_ts:
            response = self._call(lambda: self.client.conversations_replies(
                channel=self.channel(alert), ts=thread_ts, include_all_metadata=True, limit=200))
        else:
            response = self._call(lambda: self.client.conversations_history(
                channel=self.channel(alert), include_all_metadata=True, limit=200,
                oldest=f"{since.timestamp():.6f}" if since else None))
        for message in response.get("messages", []):
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == alert["idempotency_key"]:
                return message["ts"]
        return None

    def _call(self, request):
        try:
            return request()
        except SlackApiError as exc:
            status = exc.response.status_code
            raise NotSent(f"Slack answered HTTP {status}: {exc.response.get('error') or exc.response.data}") from None
        except OSError as exc:  # urllib.error.URLError, timeouts, resets
            raise _network_error(exc, "Slack") from None


def elsewhere_note(alert: dict) -> str:
    """What a webhook message says when its article has a channel of its own the webhook cannot reach."""
    return (f"For article {alert['article_id']}, whose channel is {alert['channel']}: this webhook posts to its own "
            "channel only (a bot token, SLACK_BOT_TOKEN, posts in the article's channel)")


class WebhookPoster:
    """An incoming webhook: the same blocks and text, no thread, no upload.

    Slack fixes a webhook to one channel: an alert whose article has its own channel is posted there anyway (never
    held back), with a line naming the article and its channel."""

    via = "webhook"

    def __init__(self, settings: SlackSettings):
        self.client = WebhookClient(settings.webhook_url, timeout=int(max(1, settings.timeout)),
                                    logger=settings.logger(), retry_handlers=_retry_handlers())

    def post(self, alert: dict, thread_ts: str | None) -> tuple[str | None, None]:
        text, blocks = alert["text"], json.loads(alert["blocks"])
        if alert.get("channel"):
            note = elsewhere_note(alert)
            text = f"{text}\n({note})"
            blocks = [*blocks[:1], compose_context(note), *blocks[1:]][:BLOCK_LIMIT]
        try:
            response = self.client.send(text=text, blocks=blocks, unfurl_links=False, unfurl_media=False)
        except OSError as exc:
            raise _network_error(exc, "the webhook") from None
        if response.status_code != 200:
            raise NotSent(f"the webhook answered HTTP {response.status_code}: {response.body[:200]}")
        return None, None


def _print(alert: dict, printer: Printer) -> None:
    printer(f"── alert {alert['alert_id']} ({alert['kind']}) ──\n{alert['text']}")


def deliver(outbox: Outbox, settings: SlackSettings, printer: Printer = print,
            alert_ids: list[int] | None = None, resend: bool = False) -> list[Delivery]:
    """Send every due alert (or the given ones) once; with no Slack configured, print them and mark them printed."""
    alerts = [outbox.get(i) for i in alert_ids] if alert_ids is not None else outbox.due()
    poster = {"slack": BotPoster, "webhook": WebhookPoster}.get(settings.mode)
    poster = poster(settings) if poster else None
    results, told = [], set()
    for alert in alerts:
        _print(alert, printer)
        if poster is None:
            outbox.mark_delivered(alert["alert_id"], "terminal", None)
            results.append(Delivery(alert["alert_id"], "printed"))
            continue
        if poster.via == "webhook" and alert.get("channel") and (alert["article_id"], alert["channel"]) not in told:
            told.add((alert["article_id"], alert["channel"]))  # said once per article and run, not per alert
            printer(f"article {alert['article_id']} has its own Slack channel ({alert['channel']}), which the webhook "
                    "cannot reach: its alerts go to the webhook's channel, naming the article; set SLACK_BOT_TOKEN "
                    "to post in the article's channel")
        results.append(_send(outbox, settings, poster, alert, resend, printer))
    return results


def _point_threads(outbox: Outbox, poster: BotPoster, alert: dict, destination: str, ts: str) -> None:
    """A release message covering several claims is posted in the channel; each claim that already has a thread
    gets a one-line pointer there, so its thread still tells its whole story."""
    from claimwatch.alerts.release_message import thread_note

    for claim in outbox.covered(alert["alert_id"]):
        root = outbox.thread_root(f"{claim['article_id']}/{claim['claim_id']}", destination)
        if root and root != ts and not claim["note_ts"]:
            text, blocks = thread_note(claim["title"])
            if note_ts := poster.note(alert, text, blocks, root):
                outbox.mark_note(alert["alert_id"], claim["article_id"], claim["claim_id"], note_ts)


def _send(outbox: Outbox, settings: SlackSettings, poster, alert: dict, resend: bool, printer: Printer) -> Delivery:
    alert_id, destination = alert["alert_id"], settings.destination_for(alert.get("channel"))
    thread_ts = outbox.thread_root(alert["thread_key"], destination) if poster.via == "slack" else None
    if thread_ts == alert.get("slack_ts"):
        thread_ts = None  # re-sending a thread's own root message: post it at the top level again
    try:
        if alert["status"] == "sending" and not resend:
            if poster.via == "webhook":
                outbox.mark_undelivered(alert_id, "unconfirmed", "an earlier attempt got no answer; "
                                        "a webhook cannot be asked: check the channel, then --resend if missing")
                return Delivery(alert_id, "unconfirmed")
            found = poster.find(alert, thread_ts)
            if found:
                outbox.mark_delivered(alert_id, poster.via, destination, found, thread_ts)
                printer(f"alert {alert_id}: already in Slack (ts {found}) from an earlier attempt; not sent again")
                return Delivery(alert_id, "delivered", "found in Slack")
        outbox.mark_sending(alert_id, destination)
        ts, file_id = poster.post(alert, thread_ts)
    except NotSent as exc:
        error = settings.scrub(str(exc))
        outbox.mark_undelivered(alert_id, "pending", error)
        printer(f"alert {alert_id}: not delivered, kept for the next run: {error}")
        return Delivery(alert_id, "pending", error)
    except Unknown as exc:
        error = settings.scrub(str(exc))
        status = "sending" if poster.via == "slack" else "unconfirmed"
        outbox.mark_undelivered(alert_id, status, error)
        printer(f"alert {alert_id}: outcome unknown ({error}); the next run checks before sending again")
        return Delivery(alert_id, status, error)
    missing = "the chart could not be uploaded" if alert.get("chart") and poster.via == "slack" and not file_id else None
    if poster.via == "webhook" and alert.get("channel"):
        missing = "posted to the webhook's own channel, not the article's (that needs SLACK_BOT_TOKEN)"
    outbox.mark_delivered(alert_id, poster.via, destination, ts, thread_ts, file_id, missing)
    if poster.via == "slack" and not alert["thread_key"]:
        _point_threads(outbox, poster, alert, destination, ts)
    printer(f"alert {alert_id}: delivered via {poster.via}" + (f" (ts {ts})" if ts else ""))
    return Delivery(alert_id, "delivered", missing or "")
