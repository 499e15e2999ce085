"""Write alerts as Slack Block Kit messages with a plain-text twin (pure: no I/O).

Each alert says what an editor needs to act: for a claim, the sentence, old -> new verdict, the figure with whose
it is and the margin in words (every figure through claimwatch/present.py), why it changed, the paste-ready
sentence with its provenance footer, the wording the data support and links to the claim page and the agency's
files; for a source problem, what failed and that the last good data stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, PlainTextObject, SectionBlock

from claimwatch.claims.catalog import Claim
from claimwatch.claims.judge import Verdict, overall, verdict_words
from claimwatch.verdict_text import MARK, MODE, WORD, figure_line, paste_ready, verdict_text

SECTION_LIMIT = 2900  # Slack allows 3000 characters in a section's text
HEADER_LIMIT = 150  # and 150 in a header
BLOCK_LIMIT = 50  # and 50 blocks in a message


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
    kind: str  # digest | correction | update | revision | close_to_failing | quarantined | rejected | fetch_failed | overdue | pipeline_failed
    title: str
    text: str
    blocks: list[dict]
    article_id: str | None = None
    claim_id: str | None = None
    thread_key: str | None = None
    chart: bytes | None = None
    channel: str | None = None  # the article's Slack channel (catalog `article: channel`); None: the configured one


def mention(owner: str | None) -> str | None:
    """The article owner as a Slack mention: `<@U…>` for a user (U…/W…), `<!subteam^S…>` for a user group (S…);
    None when the catalog names no owner (or something that is neither)."""
    owner = (owner or "").strip().lstrip("@")
    if not re.fullmatch(r"[UWS][A-Z0-9]{2,}", owner):
        return None
    return f"<!subteam^{owner}>" if owner.startswith("S") else f"<@{owner}>"


def owner_line(article: dict, kind: str) -> str | None:
    """The line that calls the article's owner to a correction (only a correction: updates, revisions and digests
    need no one's attention now), or None."""
    who = mention(article.get("owner")) if kind == "correction" else None
    return f"{who} a correction alert for your article" if who else None


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A mrkdwn link."""
    return f"<{url.replace('|', '%7C').replace('>', '%3E')}|{escape(label)}>"


def _section(text: str) -> dict:
    return SectionBlock(text=MarkdownTextObject(text=text[:SECTION_LIMIT])).to_dict()


def _header(title: str) -> dict:
    return HeaderBlock(text=PlainTextObject(text=fit(title, HEADER_LIMIT), emoji=True)).to_dict()


def _context(text: str) -> dict:
    return ContextBlock(elements=[MarkdownTextObject(text=text[:SECTION_LIMIT])]).to_dict()


def fit(text: str, limit: int) -> str:
    """The text cut to `limit` characters at a word, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _sources_text(files: list[SourceFile], mrkdwn: bool) -> str:
    if not files:
        return "the article's own figures"
    if mrkdwn:
        return " · ".join(f"{link(f.url, f.file_name) if f.url else escape(f.file_name)} ({escape(f.release_id)})"
                          for f in files)
    return "; ".join(f"{f.release_id} {f.url}" for f in files)


def links_text(files: list[SourceFile], page_url: str | None) -> str:
    """The claim's page on the site, then the agency's source files, as mrkdwn."""
    page = f"{link(page_url, 'Claim page')} · " if page_url else ""
    return f"{page}Sources: {_sources_text(files, mrkdwn=True)}"


@dataclass(frozen=True)
class ClaimEvent:
    """Something the newsroom must hear about one reading of a claim in one mode."""

    kind: str  # correction | update (latest verdict, broken record) | revision | close_to_failing | checked
    before: Verdict | None
    after: Verdict
    why: str


CONSEQUENCE_ORDER = ("correction", "update", "revision", "close_to_failing", "checked")


def claim_state_lines(claim: Claim, current: list[Verdict]) -> list[str]:
    """Every reading in both modes, the as-stated one first: the verdict, the figures and whose they are."""
    lines = []
    for mode in ("as_stated", "latest"):
        verdicts = [v for v in current if v.mode == mode]
        if not verdicts:
            continue
        code, _ = overall(verdicts)
        words = verdict_words(verdicts[0]) if len(verdicts) == 1 else WORD[code]  # each reading's figures follow
        lines.append(f"{MARK[code]} {MODE[mode].capitalize()} ({verdicts[0].period}): {words}")
        if len(verdicts) == 1 and verdicts[0].observed is not None:
            lines.append(f"    {figure_line(claim, verdicts[0])}")
        for v in verdicts if len(verdicts) > 1 else []:
            primary = " (primary)" if v.primary else ""
            lines.append(f"    {MARK[v.verdict]} {v.reading_label}{primary}: {verdict_words(v)}; {figure_line(claim, v)}")
        broken = [v.record_broken for v in verdicts if v.record_broken]
        if broken:
            lines.append(f"    Record broken since: {broken[0]}")
    return lines


def _title(claim: Claim, kind: str, events: list[ClaimEvent], current: list[Verdict]) -> str:
    """The headline: the consequence for the article first."""
    stated = [v for v in current if v.mode == "as_stated"]
    code, _ = overall(stated) if stated else (None, "")
    primary = next((v for v in stated if v.primary), None)
    if kind == "correction":
        olds = {e.before.verdict for e in events if e.kind == "correction" and e.before}
        if primary and primary.verdict == "fails":
            verb = "no longer holds" if olds & {"holds", "holds_over_coverage"} else "fails"
            other = " (other readings differ)" if code == "depends_on_reading" else ""
            return f"✗ Correction needed: {claim.title} {verb} as published{other}"
        if code == "depends_on_reading":
            failing = ", ".join(v.reading_label for v in stated if v.verdict == "fails")
            return (f"⇄ Clarification: {claim.title} holds as published on its primary reading but fails read "
                    f"{failing}")
        if code in ("holds", "holds_over_coverage"):
            return f"{MARK[code]} Correction withdrawn: {claim.title} holds as published again"
        return f"? Correction check: {claim.title} can no longer be judged as published"
    still = {"holds": "the article's figure still holds, no correction needed",
             "holds_over_coverage": "the article's figure still holds, no correction needed",
             "unknown": "the article's own period is not in the data yet, no correction needed"}.get(
        code, "the article's own period is judged separately")
    if kind == "update":
        broken = next((e.after.record_broken for e in events if e.after.record_broken), None)
        if broken:
            return f"↻ Update: {claim.title}: record broken ({broken}); {still}"
        latest = next(e.after for e in events if e.kind == "update")
        return f"↻ Update: {claim.title}: newest period ({latest.period}) {verdict_words(latest)}; {still}"
    if kind == "revision":
        return f"✎ Revised: {claim.title}: the figures behind it were revised; verdict unchanged ({WORD.get(code, code)})"
    if kind == "close_to_failing":
        return f"⚠ Close to failing: {claim.title} still holds, within the catalog's margin of its threshold"
    if code == "holds":
        return f"✓ Checked: {claim.title} holds as published"
    if code == "holds_over_coverage":
        return f"◐ Checked: {claim.title} holds as published, {verdict_words(primary)[len('holds '):]}"
    return f"? Checked: {claim.title} cannot be judged as published yet"


def consequence(events: list[ClaimEvent]) -> str:
    """The kind that matters most among a claim's events (correction first)."""
    return min((e.kind for e in events), key=CONSEQUENCE_ORDER.index)


def claim_title(claim: Claim, events: list[ClaimEvent], current: list[Verdict]) -> str:
    """The claim's headline: the consequence for the article first."""
    return _title(claim, consequence(events), events, current)


def claim_alert(key: str, article: dict, claim: Claim, events: list[ClaimEvent], current: list[Verdict],
                files: list[SourceFile], chart: bytes | None = None, page_url: str | None = None) -> Alert:
    """One alert for one claim: the consequence first, then every reading in both modes and what changed."""
    kind = consequence(events)
    title = _title(claim, kind, events, current)
    state = claim_state_lines(claim, current)
    changes = [f"{MODE[e.after.mode]}{', ' + e.after.reading_label if e.after.reading_label else ''}: "
               f"{verdict_text(e.before.verdict if e.before else None)} → {verdict_text(e.after.verdict)}; {e.why}"
               for e in sorted(events, key=lambda e: (e.after.mode != "as_stated", CONSEQUENCE_ORDER.index(e.kind)))]
    primary = next((v for v in current if v.mode == "as_stated" and v.primary), current[0])
    sentence, footer = paste_ready(claim, primary)
    owner = owner_line(article, kind)
    lines = [title, *([owner] if owner else []), f"{article['title']}: “{claim.sentence}”", *state, "What changed:",
             *[f"  - {c}" for c in changes], f"Paste-ready: {sentence}", footer]
    if primary.verdict == "fails" and primary.supported:
        lines.append(f"The data support: “{primary.supported}”")
    lines.append(f"Sources: {_sources_text(files, mrkdwn=False)}")
    if page_url:
        lines.append(f"Claim page: {page_url}")
    blocks = [
        _header(title),
        *([_section(owner)] if owner else []),  # a mention notifies only from a section's text, not a header
        _section(f"*{escape(article['title'])}*\n>{escape(claim.sentence)}"),
        _section(escape("\n".join(state))),
        _section("*What changed*\n" + escape("\n".join(f"• {c}" for c in changes))),
        _section(f"*Paste-ready:* {escape(sentence)}\n{escape(footer)}"),
    ]
    if primary.verdict == "fails" and primary.supported:
        blocks.append(_section(f"*The data support:* “{escape(primary.supported)}”"))
    blocks.append(_context(links_text(files, page_url)))
    return Alert(key, kind, title, "\n".join(lines), blocks, article.get("id"), claim.id,
                 f"{article.get('id')}/{claim.id}", chart, article.get("channel"))


def digest_alert(key: str, article: dict, claims: dict[str, Claim], verdicts: list[Verdict]) -> Alert:
    """One message with the state of every claim: what the first run sends instead of one alert per claim."""
    title = f"claimwatch is now watching: {article['title']}"
    per_claim = [(claims[cid], [v for v in verdicts if v.claim_id == cid])
                 for cid in dict.fromkeys(v.claim_id for v in verdicts)]
    codes = [overall([v for v in own if v.mode == mode])[0] for _, own in per_claim
             for mode in dict.fromkeys(v.mode for v in own)]
    summary = ", ".join(f"{codes.count(w)} {WORD[w]}" for w in WORD if w and codes.count(w))
    plain, rich = [], []
    for claim, own in per_claim:
        state = claim_state_lines(claim, own) if any(v.observed is not None for v in own) else [
            f"{MARK[v.verdict]} {MODE[v.mode].capitalize()} ({v.period}): {verdict_words(v)}: {v.explanation}"
            for v in own]
        plain.append(f"{claim.id}:\n" + "\n".join(f"  {line}" for line in state))
        rich.append(f"*{escape(claim.id)}*\n" + escape("\n".join(state)))
    blocks = [_header(title), _section(f"{len(codes)} verdicts on {len(claims)} claims: {summary}. "
                                       "From now on, an alert comes only when something changes.")]
    chunk = ""
    for line in rich:
        if chunk and len(chunk) + len(line) + 1 > SECTION_LIMIT:
            blocks.append(_section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(_section(chunk))
    text = "\n".join([title, f"{len(codes)} verdicts on {len(claims)} claims: {summary}.", *plain])
    return Alert(key, "digest", title, text, blocks[:50], article.get("id"), channel=article.get("channel"))


def release_problem_alert(key: str, kind: str, source: str, label: str, release_id: str | None, detail: str,
                          files: list[SourceFile], last_good: str | None, claims: list[str], plain: str = "") -> Alert:
    """A release kept out (quarantined or rejected) or a source that could not be fetched: in plain words first
    (`plain`, from plain_words), the expectations and figures in the details."""
    what = {"quarantined": "failed validation and was kept out", "rejected": "could not be read and was kept out",
            "fetch_failed": "could not be fetched after its retries"}[kind]
    release = f"{source} {label}".rstrip()
    title = f"⚠ Source problem: {plain} (release {label} kept out)" if plain else f"⚠ Source problem: {release} {what}"
    if len(title) > HEADER_LIMIT:
        title = f"⚠ Source problem: {release} {what}"
    stays = f"The last good data stay in force: {last_good}." if last_good else "No earlier release of this source is published."
    affected = ", ".join(claims) or "none"
    said = f"{release} {what}: {plain}." if plain else f"{release} {what}."
    lines = [title, said, stays, f"Claims that rely on {source}: {affected}", f"Detail: {detail}",
             f"Release: {release_id or 'none stored'}", f"Sources: {_sources_text(files, mrkdwn=False)}"]
    blocks = [
        _header(title),
        _section(f"{escape(said)}\n{escape(stays)}\n*Claims that rely on {escape(source)}:* {escape(affected)}"),
        _section(f"*Detail:* {escape(detail)}"),
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
