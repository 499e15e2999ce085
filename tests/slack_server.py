"""A local stand-in for Slack: the Web API, the file-upload URLs and an incoming webhook, on a real HTTP server.

`FakeSlack()` listens on 127.0.0.1 (a free port) in a daemon thread. Point slack_sdk at it with
`WebClient(token=server.token, base_url=server.api_url)` and `WebhookClient(url=server.webhook_url)`.
Every request is recorded (`requests`, `calls(endpoint)`); accepted messages, webhook posts and completed
uploads land in `messages`, `webhook_messages` and `files`. Replies can be scripted per endpoint
(`script`): an error `Reply`, or a `Delay` / `Kill` after the request has been accepted.

Endpoints (the names used by `script` and `calls`): a Web API method name ("chat.postMessage", ...),
"upload" (the URLs handed out by files.getUploadURLExternal) and "webhook".
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

WEBHOOK_PATH = "/services/T000/B000/webhook-secret-path"
JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Recorded:
    """One request as received. Header names are Title-Cased ("Content-Type", "Authorization"); `params` is
    the parsed JSON body, or the form body and query string with each value a str."""

    method: str
    path: str
    headers: dict
    body: bytes
    params: dict
    at: float = field(default_factory=time.monotonic)  # when it arrived (time.monotonic)

    @property
    def endpoint(self) -> str:
        if self.path.startswith("/api/"):
            return self.path[len("/api/"):]
        if self.path.startswith("/upload/"):
            return "upload"
        return "webhook" if self.path == WEBHOOK_PATH else self.path


@dataclass(frozen=True)
class Reply:
    """Answer with this instead of handling the request (nothing is accepted). A dict body is sent as JSON,
    a str as text/plain; `headers` may override Content-Type."""

    status: int
    body: bytes | str | dict = b""
    headers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Delay:
    """Accept and record the request normally, then wait `seconds` before sending the normal response."""

    seconds: float


@dataclass(frozen=True)
class Kill:
    """Accept and record the request, SIGKILL process `pid`, then close the connection without a response."""

    pid: int


def truthy(value) -> bool:
    return value in (True, 1, "1", "true", "True")


def json_or_none(value):
    """Blocks/metadata as objects: form bodies carry them as JSON strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def multipart_file(content_type: str, body: bytes) -> bytes | None:
    """The content of the first file part (or the part named "file") of a multipart/form-data body."""
    boundary = content_type.partition("boundary=")[2].split(";")[0].strip().strip('"').encode()
    for part in body.split(b"--" + boundary)[1:]:
        head, _, content = part.partition(b"\r\n\r\n")
        if b"filename=" in head or b'name="file"' in head:
            return content[:-2] if content.endswith(b"\r\n") else content
    return None


class FakeSlack:
    """The server and its state. Starts on construction; `close()` (or leaving a `with` block) stops it."""

    def __init__(self, token: str = "xoxb-test-secret-token", ts_base: int | None = None):
        self.token = token
        self.requests: list[Recorded] = []
        self.messages: list[dict] = []
        self.webhook_messages: list[dict] = []
        self.files: list[dict] = []
        self._uploads: dict[str, dict] = {}  # file id -> {"filename", "content"} until completed
        self._scripts: dict[str, deque] = defaultdict(deque)
        self._channel_ids: dict[str, str] = {}
        self._ts_base = int(time.time()) if ts_base is None else ts_base  # realistic, for `oldest` filters
        self._counter = 0
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.slack = self
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.api_url = self.url + "/api/"
        self.webhook_url = self.url + WEBHOOK_PATH
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def __enter__(self) -> FakeSlack:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._stopping.set()  # cuts pending Delays short
        self.httpd.shutdown()
        self.httpd.server_close()

    def script(self, endpoint: str, *responses: Reply | Delay | Kill) -> None:
        """Handle the next requests to `endpoint` with these, one per request, in order; then normally."""
        with self._lock:
            self._scripts[endpoint].extend(responses)

    def calls(self, endpoint: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    def channel_id(self, channel: str) -> str:
        """The ID of a channel given by name ("#claims", "claims": the first is C0CLAIMS) or by ID (itself)."""
        name = channel.lstrip("#")
        if name[:1] in "CDG" and name[1:].isalnum() and name.isupper():
            return name
        with self._lock:
            return self._channel_ids.setdefault(name, "C0CLAIMS" if not self._channel_ids
                                                else f"C0CHAN{len(self._channel_ids):03d}")

    # -- request handling (called from the handler threads) --

    def _next(self, endpoint: str):
        with self._lock:
            queue = self._scripts.get(endpoint)
            return queue.popleft() if queue else None

    def _respond(self, rec: Recorded) -> tuple[int, bytes | str | dict, dict]:
        """(status, body, headers) of the normal response; records what Slack accepts."""
        if rec.path == WEBHOOK_PATH and rec.method == "POST":
            try:
                payload = json.loads(rec.body)
            except ValueError:
                return 400, "invalid_payload", {"Content-Type": "text/html"}
            if not isinstance(payload, dict) or not any(payload.get(k) for k in ("text", "blocks", "attachments")):
                return 400, "no_text", {"Content-Type": "text/html"}
            with self._lock:
                self.webhook_messages.append(payload)
            return 200, "ok", {"Content-Type": "text/html"}
        if rec.endpoint == "upload" and rec.method == "POST":
            ctype = rec.headers.get("Content-Type", "")
            content = multipart_file(ctype, rec.body) if ctype.startswith("multipart/form-data") else rec.body
            with self._lock:
                if (upload := self._uploads.get(rec.path[len("/upload/"):])) is None or content is None:
                    return 404, "not found", {}
                upload["content"] = content
            return 200, f"OK - {len(content)}", {"Content-Type": "text/plain"}
        if not rec.path.startswith("/api/"):
            return 404, "not found", {}
        if rec.headers.get("Authorization") != f"Bearer {self.token}":
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        method = getattr(self, "_api_" + rec.endpoint.replace(".", "_"), None)
        return 200, method(rec.params) if method else {"ok": False, "error": "unknown_method"}, {}

    def _api_auth_test(self, p: dict) -> dict:
        return {"ok": True, "url": "https://claimwatch.slack.com/", "user_id": "U0BOT", "team_id": "T000"}

    def _api_chat_postMessage(self, p: dict) -> dict:
        if not p.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not (p.get("text") or p.get("blocks")):
            return {"ok": False, "error": "no_text"}
        with self._lock:
            self._counter += 1
            micros = self._counter * 100
            ts = f"{self._ts_base + micros // 1_000_000}.{micros % 1_000_000:06d}"
            message = {"channel": p["channel"], "ts": ts, "thread_ts": p.get("thread_ts") or None,
                       "text": p.get("text"), "blocks": json_or_none(p.get("blocks")),
                       "metadata": json_or_none(p.get("metadata"))}
            self.messages.append(message)
            return {"ok": True, "channel": self.channel_id(p["channel"]), "ts": ts,
                    "message": self._shape(message, metadata=True)}

    def _shape(self, m: dict, metadata: bool) -> dict:
        """A message as conversations.* return it (metadata only when asked for, as Slack does)."""
        out = {"type": "message", "user": "U0BOT", "ts": m["ts"], "text": m["text"] or "", "blocks": m["blocks"]}
        thread_ts = m["thread_ts"] or next((m["ts"] for r in self.messages if r["thread_ts"] == m["ts"]), None)
        if thread_ts:
            out["thread_ts"] = thread_ts
        if metadata and m["metadata"] is not None:
            out["metadata"] = m["metadata"]
        return out

    def _in_channel(self, p: dict) -> list[dict]:
        wanted = self.channel_id(str(p["channel"]))
        return [m for m in self.messages if self.channel_id(m["channel"]) == wanted]

    def _api_conversations_history(self, p: dict) -> dict:
        """Top-level messages, newest first; oldest/latest are exclusive unless inclusive=1 (as in Slack)."""
        if not p.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        inclusive, limit = truthy(p.get("inclusive")), int(p.get("limit") or 100)
        oldest, latest = float(p.get("oldest") or 0), float(p.get("latest") or "inf")
        with self._lock:
            found = [self._shape(m, truthy(p.get("include_all_metadata"))) for m in reversed(self._in_channel(p))
                     if m["thread_ts"] in (None, m["ts"])
                     and (oldest <= float(m["ts"]) <= latest if inclusive else oldest < float(m["ts"]) < latest)]
        return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit}

    def _api_conversations_replies(self, p: dict) -> dict:
        """The thread's root and its replies, oldest first."""
        if not p.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        with self._lock:
            thread = [self._shape(m, truthy(p.get("include_all_metadata"))) for m in self._in_channel(p)
                      if p.get("ts") in (m["ts"], m["thread_ts"])]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        return {"ok": True, "messages": thread, "has_more": False}

    def _api_files_getUploadURLExternal(self, p: dict) -> dict:
        if not p.get("filename") or not str(p.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            file_id = f"F{len(self._uploads) + 1:04d}"
            self._uploads[file_id] = {"filename": p["filename"], "content": None}
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, p: dict) -> dict:
        listed = json_or_none(p.get("files"))
        with self._lock:
            if not isinstance(listed, list) or not all(
                    (self._uploads.get(f.get("id")) or {}).get("content") is not None for f in listed):
                return {"ok": False, "error": "file_not_found" if isinstance(listed, list) else "invalid_arguments"}
            for f in listed:
                upload = self._uploads[f["id"]]
                self.files.append({"id": f["id"], "title": f.get("title") or upload["filename"],
                                   "filename": upload["filename"], "content": upload["content"],
                                   "channel_id": p.get("channel_id") or p.get("channels"),
                                   "thread_ts": p.get("thread_ts"), "initial_comment": p.get("initial_comment")})
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title") or self._uploads[f["id"]]["filename"]}
                                      for f in listed]}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the request log is FakeSlack.requests
        pass

    def do_GET(self) -> None:
        slack: FakeSlack = self.server.slack
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.title(): value for name, value in self.headers.items()}
        params: dict = dict(parse_qsl(parts.query))
        ctype = headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            try:
                params = json.loads(body)
            except ValueError:
                params = {}
            params = params if isinstance(params, dict) else {}
        elif ctype.startswith("application/x-www-form-urlencoded") and parts.path.startswith("/api/"):
            params.update(parse_qsl(body.decode("utf-8", "replace")))
        rec = Recorded(self.command, parts.path, headers, body, params)
        with slack._lock:
            slack.requests.append(rec)
        step = slack._next(rec.endpoint)
        if isinstance(step, Reply):
            return self._send(step.status, step.body, step.headers)
        status, payload, extra = slack._respond(rec)
        if isinstance(step, Delay):
            slack._stopping.wait(step.seconds)
        elif isinstance(step, Kill):
            os.kill(step.pid, signal.SIGKILL)
            self.close_connection = True
            return
        self._send(status, payload, extra)

    do_POST = do_GET

    def _send(self, status: int, body: bytes | str | dict, headers: dict) -> None:
        if isinstance(body, dict):
            body, ctype = json.dumps(body).encode(), JSON_TYPE
        elif isinstance(body, str):
            body, ctype = body.encode(), "text/plain; charset=utf-8"
        else:
            ctype = "application/octet-stream"
        headers = {"Content-Type": ctype, **headers, "Content-Length": str(len(body))}
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. timed out during a Delay)
            pass


@pytest.fixture
def slack_server():
    """A fresh FakeSlack for the test, stopped afterwards."""
    server = FakeSlack()
    yield server
    server.close()
