"""HTTP for release files: timeouts, retries with backoff, a descriptive User-Agent, conditional requests."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Protocol

import requests

from claimwatch import __version__, config
from claimwatch.errors import FetchError
from claimwatch.sources.base import RawFile

USER_AGENT = (
    f"claimwatch/{__version__} (fact-checking monitor for published articles; "
    "reads public Census and CBP release files once per release)"
)
RETRY_STATUSES = (429, 500, 502, 503, 504)
RETRY_AFTER_STATUSES = (413, 429, 503)  # as urllib3: the statuses whose Retry-After is obeyed
RETRIED_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
BACKOFF_MAX = 120.0
log = logging.getLogger(__name__)
_SECRET_PARAM = re.compile(r"(?i)([?&](?:key|token|api_key)=)[^&#\s'\"]+")


def redact(text: str) -> str:
    """Replace the values of secret query parameters (key=, token=) with ***."""
    return _SECRET_PARAM.sub(r"\1***", text)


class _RedactSecrets(logging.Filter):
    """Redact secret query parameters in log records (urllib3 logs request URLs, e.g. when it retries)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET_PARAM.search(message):
            record.msg, record.args = redact(message), ()
        return True


for _logger in ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager", __name__):
    logging.getLogger(_logger).addFilter(_RedactSecrets())


@dataclass(frozen=True)
class StoredCopy:
    """What the store holds for a URL: validators for a conditional request, and the bytes."""

    etag: str | None
    last_modified: str | None
    content: bytes


class ValidatorCache(Protocol):
    def stored_copy(self, url: str) -> StoredCopy | None: ...


class HttpClient:
    """A requests session that retries 429/5xx with backoff and sends If-None-Match/If-Modified-Since.

    Retry-After is obeyed up to `max_retry_after` seconds; with a `budget`, every request of this client together
    (waits included) stops after that many seconds from its creation with a FetchError saying it gave up.
    """

    def __init__(
        self,
        cache: ValidatorCache | None = None,
        *,
        retries: int = 4,
        backoff: float = 1.0,
        timeout: tuple[float, float] = (10.0, 120.0),
        max_retry_after: float | None = None,
        budget: float | None = None,
    ):
        self.cache = cache
        self.retries, self.backoff, self.timeout = retries, backoff, timeout
        self.max_retry_after = config.http_max_retry_after() if max_retry_after is None else max_retry_after
        self.budget = budget
        self.deadline = None if budget is None else time.monotonic() + budget
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def for_source(self, budget: float, cache: ValidatorCache | None = None) -> HttpClient:
        """A new client (own session) with these settings whose requests together may take `budget` seconds."""
        return HttpClient(cache if cache is not None else self.cache, retries=self.retries, backoff=self.backoff,
                          timeout=self.timeout, max_retry_after=self.max_retry_after, budget=budget)

    def _gave_up(self, url: str, why: str) -> FetchError:
        return FetchError(f"{redact(url)}: gave up after {self.budget:g} s (the source's fetch time limit, "
                          f"$CLAIMWATCH_SOURCE_FETCH_SECONDS): {why}")

    def _attempt_timeout(self, url: str, last: str) -> tuple[float, float]:
        """The connect and read timeouts of the next attempt, cut to the time left; none left: give up."""
        if self.deadline is None:
            return self.timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self._gave_up(url, last or "no answer in time")
        return (min(self.timeout[0], left), min(self.timeout[1], left))

    def _wait(self, response: requests.Response | None, retry: int) -> float:
        """Seconds before retry number `retry`: the server's Retry-After (capped), else exponential backoff."""
        if response is not None and response.status_code in RETRY_AFTER_STATUSES:
            value = response.headers.get("Retry-After", "").strip()
            seconds = None
            if value.isdigit():
                seconds = float(value)
            elif value:
                try:
                    seconds = parsedate_to_datetime(value).timestamp() - time.time()
                except (TypeError, ValueError):
                    seconds = None
            if seconds is not None:
                return max(0.0, min(seconds, self.max_retry_after))
        return 0.0 if retry <= 1 else min(self.backoff * 2 ** (retry - 1), BACKOFF_MAX)

    def _get(self, url: str, *, headers: dict | None = None, params: dict | None = None) -> requests.Response:
        last, retry = "", 0
        while True:
            response = None
            try:
                response = self.session.get(url, headers=headers, params=params,
                                            timeout=self._attempt_timeout(url, last))
            except RETRIED_ERRORS as exc:
                last = f"{type(exc).__name__}: {redact(str(exc))}"
            except requests.RequestException as exc:
                raise FetchError(f"{redact(url)}: {type(exc).__name__}: {redact(str(exc))}") from None
            if response is not None and response.status_code not in RETRY_STATUSES:
                break
            if response is not None:
                last = f"HTTP {response.status_code} {response.reason}"
            if retry >= self.retries:
                break
            retry += 1
            wait = self._wait(response, retry)
            if self.deadline is not None and time.monotonic() + wait >= self.deadline:
                raise self._gave_up(url, f"{last}; the next try would be in {wait:g} s")
            log.info("%s: %s; retry %d of %d in %.2f s", redact(url), last, retry, self.retries, wait)
            if response is not None:
                response.close()
            time.sleep(wait)
        if response is None:
            raise FetchError(f"{redact(url)}: {last}")
        if response.status_code not in (200, 304):
            raise FetchError(
                f"{redact(url)}: HTTP {response.status_code} {response.reason} "
                f"(expected 200; gave up after retries)"
            )
        return response

    def get_text(self, url: str) -> str:
        """GET a page (e.g. a landing page listing release files) as text."""
        return self._get(url).text

    def get_file(self, url: str, *, secret_params: dict | None = None) -> RawFile:
        """GET a release file; on 304 Not Modified return the stored bytes. Secrets never reach the RawFile."""
        headers = {}
        stored = self.cache.stored_copy(url) if self.cache else None
        if stored is not None:
            if stored.etag:
                headers["If-None-Match"] = stored.etag
            if stored.last_modified:
                headers["If-Modified-Since"] = stored.last_modified
        response = self._get(url, headers=headers, params=secret_params or None)
        name = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        if response.status_code == 304 and stored is not None:
            return RawFile(name, url, stored.content, stored.etag, stored.last_modified)
        if response.status_code == 304:
            raise FetchError(f"{redact(url)}: HTTP 304 for a file claimwatch does not hold")
        return RawFile(
            name,
            url,
            response.content,
            response.headers.get("ETag"),
            response.headers.get("Last-Modified"),
        )
