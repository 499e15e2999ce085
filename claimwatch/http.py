"""HTTP for release files: timeouts, retries with backoff, a descriptive User-Agent, conditional requests."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Protocol

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from claimwatch import __version__
from claimwatch.errors import FetchError
from claimwatch.sources.base import RawFile

USER_AGENT = (
    f"claimwatch/{__version__} (fact-checking monitor for published articles; "
    "reads public Census and CBP release files once per release)"
)
RETRY_STATUSES = (429, 500, 502, 503, 504)
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


for _logger in ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager"):
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
    """A requests session that retries 429/5xx with backoff and sends If-None-Match/If-Modified-Since."""

    def __init__(
        self,
        cache: ValidatorCache | None = None,
        *,
        retries: int = 4,
        backoff: float = 1.0,
        timeout: tuple[float, float] = (10.0, 120.0),
    ):
        self.cache = cache
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        retry = Retry(
            total=retries,
            backoff_factor=backoff,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def _get(self, url: str, *, headers: dict | None = None, params: dict | None = None) -> requests.Response:
        try:
            response = self.session.get(url, headers=headers, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise FetchError(f"{redact(url)}: {type(exc).__name__}: {redact(str(exc))}") from None
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
