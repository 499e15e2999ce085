"""One message per release: every claim change one release caused, failures and corrections first (pure: no I/O).

A release that changes one claim gives that claim's own alert (compose.claim_alert), which goes in the claim's
thread. A release that changes several gives one message: a header with the lead consequence, then one section
per claim with its own headline, figures, what changed and its links, within Slack's limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from claimwatch.alerts import compose
from claimwatch.alerts.compose import (BLOCK_LIMIT, CONSEQUENCE_ORDER, HEADER_LIMIT, MODE, SECTION_LIMIT, Alert,
                                       ClaimEvent, SourceFile, escape, fit, verdict_text)
from claimwatch.claims.catalog import Claim
from claimwatch.claims.judge import Verdict
from claimwatch.verdict_text import paste_ready


@dataclass(frozen=True)
class ClaimChange:
    """What one release changed about one claim, with what the message links to."""

    claim: Claim
    events: list[ClaimEvent]
    current: list[Verdict]
    files: list[SourceFile] = field(default_factory=list)
    page_url: str | None = None
    chart: bytes | None = None

    @property
    def kind(self) -> str:
        return compose.consequence(self.events)

    @property
    def title(self) -> str:
        return compose.claim_title(self.claim, self.events, self.current)

    @property
    def fails(self) -> tuple[bool, bool]:
        """Whether the claim as published fails on its primary reading, and whether any changed reading fails."""
        primary = any(v.mode == "as_stated" and v.primary and v.verdict == "fails" for v in self.current)
        return primary, any(e.after.verdict == "fails" for e in self.events)


def ordered(changes: list[ClaimChange]) -> list[ClaimChange]:
    """Corrections first, then updates, revisions, close to failing, checked; within each, a claim that fails as
    published first, then one with a failing reading."""
    return sorted(changes, key=lambda c: (CONSEQUENCE_ORDER.index(c.kind), *(not f for f in c.fails), c.claim.id))


def _changes(change: ClaimChange) -> list[str]:
    return [f"{MODE[e.after.mode]}{', ' + e.after.reading_label if e.after.reading_label else ''}: "
            f"{verdict_text(e.before.verdict if e.before else None)} → {verdict_text(e.after.verdict)}; {e.why}"
            for e in sorted(change.events, key=lambda e: (e.after.mode != "as_stated", CONSEQUENCE_ORDER.index(e.kind)))]


def _headline(lead: ClaimChange, others: int, cause: str) -> str:
    """The lead claim's consequence, and how many more claims the release changed."""
    more = f"{others} more claim{'s' if others > 1 else ''}"
    long, short = f" · and {more} changed by {cause}", f" (+{more})"
    if len(lead.title + long) <= HEADER_LIMIT:
        return lead.title + long
    return fit(lead.title, HEADER_LIMIT - len(short)) + short


def _claim_text(change: ClaimChange) -> tuple[str, str]:
    """One claim's part of the message: plain text and mrkdwn."""
    state = compose.claim_state_lines(change.claim, change.current)
    changes = _changes(change)
    primary = next((v for v in change.current if v.mode == "as_stated" and v.primary), change.current[0])
    sentence, footer = paste_ready(change.claim, primary)
    plain = [change.title, f"“{change.claim.sentence}”", *state, "What changed:", *[f"  - {c}" for c in changes],
             f"Paste-ready: {sentence}", footer]
    rich = [f"*{escape(change.title)}*", f">{escape(change.claim.sentence)}", escape("\n".join(state)),
            "*What changed*", escape("\n".join(f"• {c}" for c in changes)), f"*Paste-ready:* {escape(sentence)}",
            escape(footer)]
    if primary.verdict == "fails" and primary.supported:
        plain.append(f"The data support: “{primary.supported}”")
        rich.append(f"*The data support:* “{escape(primary.supported)}”")
    plain.append(f"Sources: {'; '.join(f'{f.release_id} {f.url}' for f in change.files) or 'the article’s own figures'}")
    if change.page_url:
        plain.append(f"Claim page: {change.page_url}")
    return "\n".join(plain), "\n".join(rich)


def release_alert(key: str, article: dict, changes: list[ClaimChange], cause: str) -> Alert:
    """One message for every claim change one release caused; `cause` names the release ("cbp_encounters fy23-fy26-jul")."""
    changes = ordered(changes)
    lead = changes[0]
    if len(changes) == 1:
        return compose.claim_alert(key, article, lead.claim, lead.events, lead.current, lead.files, lead.chart,
                                   lead.page_url)
    title = _headline(lead, len(changes) - 1, cause)
    intro = f"{article['title']}: {cause} changed {len(changes)} claims."
    owner = compose.owner_line(article, lead.kind)  # the lead is a correction whenever any claim's is
    plain, blocks = [title, *([owner] if owner else []), intro], [compose._header(title),
                                                                  *([compose._section(owner)] if owner else []),
                                                                  compose._section(escape(intro))]
    room = BLOCK_LIMIT - len(blocks) - 1  # one block kept for "and N more"
    for i, change in enumerate(changes):
        text, rich = _claim_text(change)
        plain += ["", text]
        part = [compose._section(rich[:SECTION_LIMIT]), compose._context(compose.links_text(change.files, change.page_url))]
        if len(part) > room:
            rest = len(changes) - i
            blocks.append(compose._context(f"…and {rest} more claim{'s' if rest > 1 else ''}: see the full text "
                                           "(`claimwatch alerts --show`) or the status site"))
            break
        blocks += part
        room -= len(part)
    return Alert(key, lead.kind, title, "\n".join(plain), blocks, article.get("id"), None, None, lead.chart,
                 article.get("channel"))


def thread_note(title: str) -> tuple[str, list[dict]]:
    """The pointer posted in a claim's own thread when its change went out in a release message in the channel."""
    text = f"↳ {title} (posted in the channel, with the other claims the same release changed)"
    return text, [compose._context(escape(text))]
