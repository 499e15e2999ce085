"""Write alerts as Slack Block Kit messages with a plain-text twin (pure: no I/O).

Each alert says what an editor needs to act: for a claim, the sentence, old -> new verdict, the figure against
the claimed one with the margin, why it changed, the vintages with links to the source files, the paste-ready
sentence and the wording the data support; for a source problem, what failed and that the last good data stay.
"""

from __future__ import annotations

from dataclasses import dataclass

from claimwatch.claims.catalog import Claim
from claimwatch.claims.judge import AGAINST, Verdict, figure_text

MARK = {"holds": "✓", "fails": "✗", "unknown": "?", "not_checkable": "–", None: "·"}
WORD = {"holds": "holds", "fails": "fails", "unknown": "unknown", "not_checkable": "not checkable", None: "not yet told"}
NOW = {"holds": "now holds", "fails": "no longer holds", "unknown": "can no longer be judged",
       "not_checkable": "is not checkable"}
MODE = {"as_stated": "as stated", "latest": "latest period"}
SECTION_LIMIT = 2900  # Slack allows 3000 characters in a section's text


@dataclass(frozen=True)
class SourceFile:
    """A file a verdict's figures come from."""

    release_id: str
    file_name: str
    url: str


@dataclass(frozen=True)
class Alert:
    """One message for the newsroom, as written to the outbox."""

    key: str  # idempotency key: the same event never makes two alerts
    kind: str  # digest | claim_change | quarantined | rejected | fetch_failed | overdue | pipeline_failed
    title: str
    text: str
    blocks: list[dict]
    article_id: str | None = None
    claim_id: str | None = None
    thread_key: str | None = None
    chart: bytes | None = None


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A mrkdwn link."""
    return f"<{url.replace('|', '%7C').replace('>', '%3E')}|{escape(label)}>"


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}


def _header(title: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_LIMIT]}]}


def verdict_text(verdict: str | None) -> str:
    """A verdict with its mark, readable without colour."""
    return f"{MARK[verdict]} {WORD[verdict]}"


def figure_line(claim: Claim, v: Verdict) -> str:
    """The observed figure against the claimed one with the margin, or why there is none."""
    if v.observed is None:
        return v.explanation or "no figure"
    display = claim.rule.get("display")
    against = AGAINST.get(claim.rule.get("kind"), "claimed")
    margin = f" (margin {signed(v.margin)})" if v.margin is not None else ""
    return f"{figure_text(v.observed, display)} against {against} {figure_text(v.claimed, display)}{margin}"


def signed(value: float) -> str:
    """A margin with its sign, in plain digits."""
    return f"{value:+,.0f}" if abs(value) >= 1000 else f"{value:+,.3g}"


def _when(v: Verdict) -> str:
    return f"{MODE[v.mode]}, {v.period}" if v.period else MODE[v.mode]


def _sources_text(files: list[SourceFile], mrkdwn: bool) -> str:
    if not files:
        return "the article's own figures"
    if mrkdwn:
        return " · ".join(f"{link(f.url, f.file_name)} ({escape(f.release_id)})" for f in files)
    return "; ".join(f"{f.release_id} {f.url}" for f in files)


def claim_alert(key: str, article: dict, claim: Claim, before: Verdict | None, after: Verdict, why: str,
                files: list[SourceFile], chart: bytes | None = None) -> Alert:
    """The alert for one claim whose verdict changed in one mode."""
    old = before.verdict if before else None
    now = "fails" if after.verdict == "fails" and old != "holds" else NOW[after.verdict]
    title = f"{MARK[after.verdict]} Claim {now}: {claim.id} ({MODE[after.mode]})"
    change = f"{verdict_text(old)} → {verdict_text(after.verdict)}"
    lines = [
        title,
        f"{article['title']}: “{claim.sentence}”",
        f"Verdict ({_when(after)}): {change}",
        f"Figure: {figure_line(claim, after)}",
        f"Why it changed: {why}",
        f"Paste-ready: {after.sentence}",
    ]
    if after.verdict == "fails" and after.supported:
        lines.append(f"The data support: “{after.supported}”")
    lines.append(f"Sources: {_sources_text(files, mrkdwn=False)}")
    blocks = [
        _header(title),
        _section(f"*{escape(article['title'])}*\n>{escape(claim.sentence)}"),
        {"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*Verdict*\n{change}"},
            {"type": "mrkdwn", "text": f"*Period*\n{escape(_when(after))}"},
            {"type": "mrkdwn", "text": f"*Figure*\n{escape(figure_line(claim, after))}"[:2000]},
            {"type": "mrkdwn", "text": f"*Why it changed*\n{escape(why)}"[:2000]},
        ]},
        _section(f"*Paste-ready:* {escape(after.sentence)}"),
    ]
    if after.verdict == "fails" and after.supported:
        blocks.append(_section(f"*The data support:* “{escape(after.supported)}”"))
    blocks.append(_context(f"Sources: {_sources_text(files, mrkdwn=True)}"))
    return Alert(key, "claim_change", title, "\n".join(lines), blocks, article.get("id"), claim.id,
                 f"{article.get('id')}/{claim.id}", chart)


def digest_alert(key: str, article: dict, claims: dict[str, Claim], verdicts: list[Verdict]) -> Alert:
    """One message with the state of every claim: what the first run sends instead of one alert per claim."""
    title = f"claimwatch is now watching: {article['title']}"
    counts = {w: sum(1 for v in verdicts if v.verdict == w) for w in ("holds", "fails", "unknown", "not_checkable")}
    summary = ", ".join(f"{n} {WORD[w]}" for w, n in counts.items() if n)
    plain, rich = [], []
    for v in verdicts:
        claim = claims[v.claim_id]
        figure = figure_line(claim, v) if v.verdict in ("holds", "fails") else v.explanation
        plain.append(f"{verdict_text(v.verdict)} · {v.claim_id} ({_when(v)}): {figure}")
        rich.append(f"{verdict_text(v.verdict)} · *{escape(v.claim_id)}* ({escape(_when(v))}): "
                    f"{escape(figure)}")
    blocks = [_header(title), _section(f"{len(verdicts)} verdicts on {len(claims)} claims: {summary}. "
                                       "From now on, an alert comes only when a verdict changes.")]
    chunk = ""
    for line in rich:
        if chunk and len(chunk) + len(line) + 1 > SECTION_LIMIT:
            blocks.append(_section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(_section(chunk))
    text = "\n".join([title, f"{len(verdicts)} verdicts on {len(claims)} claims: {summary}.", *plain])
    return Alert(key, "digest", title, text, blocks[:50], article.get("id"))


def release_problem_alert(key: str, kind: str, source: str, label: str, release_id: str | None, detail: str,
                          files: list[SourceFile], last_good: str | None, claims: list[str]) -> Alert:
    """A release kept out (quarantined or rejected) or a source that could not be fetched."""
    what = {"quarantined": "failed validation and was kept out", "rejected": "could not be read and was kept out",
            "fetch_failed": "could not be fetched after its retries"}[kind]
    title = f"⚠ Source problem: {source} {label}".rstrip() + f" {what}"
    stays = f"The last good data stay in force: {last_good}." if last_good else "No earlier release of this source is published."
    affected = ", ".join(claims) or "none"
    lines = [title, f"Detail: {detail}", stays, f"Claims that rely on {source}: {affected}",
             f"Release: {release_id or 'none stored'}", f"Sources: {_sources_text(files, mrkdwn=False)}"]
    blocks = [
        _header(title),
        _section(f"*Detail:* {escape(detail)}"),
        _section(f"{escape(stays)}\n*Claims that rely on {escape(source)}:* {escape(affected)}"),
        _context(f"Release: {escape(release_id or 'none stored')} · Sources: {_sources_text(files, mrkdwn=True)}"),
    ]
    return Alert(key, kind, title, "\n".join(lines), blocks)


def overdue_alert(key: str, source: str, text: str, schedule_url: str | None) -> Alert:
    """An expected release that has not appeared some days after its usual date."""
    title = f"⏰ Release overdue: {source}"
    blocks = [_header(title), _section(escape(text))]
    if schedule_url:
        blocks.append(_context(f"Release schedule: {link(schedule_url, schedule_url)}"))
    return Alert(key, "overdue", title, f"{title}\n{text}", blocks)


def pipeline_failed_alert(key: str, run_label: str, error: str) -> Alert:
    """The pipeline itself failed: nothing after the failure ran."""
    title = f"🔥 claimwatch run failed: {run_label}"
    text = (f"{title}\n{error}\nReleases published before the failure stay published; nothing half-written is "
            "visible. Fix the cause and run again.")
    blocks = [_header(title), _section(f"```{escape(error)[:2800]}```"),
              _context("Releases published before the failure stay published; nothing half-written is visible.")]
    return Alert(key, "pipeline_failed", title, text, blocks)
