"""Claim coverage: an article's sentences that state a figure, and the catalog claims that cover each (pure).

`claimwatch scan` splits Markdown or plain text into sentences, keeps those with a cue (claimwatch/scan_cues.py)
and matches each against the catalogs' quoted `sentence:`s. A claim covers a sentence when, after normalising
both (case, curly quotes, dashes, punctuation, Markdown), one contains the other word for word, or when at least
MATCH_SHARE of the claim's word pairs appear in the sentence: a quote lightly edited by a word or two still
matches, two different sentences of one article share far fewer (the monitored article's closest pair: 0.21).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from claimwatch.scan_cues import Cue, cues

MATCH_SHARE = 0.7  # share of the claim's word pairs found in the sentence (see tests/test_scan.py)

ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "no", "nos", "vs", "etc", "inc", "corp", "co", "ltd", "jr", "sr",
                 "gov", "sen", "rep", "gen", "fig", "approx", "est", "dept", "jan", "feb", "mar", "apr", "jun", "jul",
                 "aug", "sep", "sept", "oct", "nov", "dec", "p", "pp", "e.g", "i.e", "cf", "al"}
# after an initialism ("U.S.") a sentence ends only when one of these begins the next: "the U.S. Border Patrol"
STARTERS = {"the", "this", "that", "these", "those", "it", "its", "in", "but", "and", "we", "our", "a", "an", "he",
            "she", "they", "there", "as", "since", "for", "on", "yet", "so", "while", "when", "if", "i", "you"}
END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9$])")
BLOCK_START = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,3}[.)]\s+)")
INLINE = [(re.compile(r"<!--.*?-->|<[^>]+>|!\[[^\]]*\]\([^)]*\)"), ""),  # comments, tags, images
          (re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\[[^\]]*\]"), r"\1\2"),  # links keep their text
          (re.compile(r"(\*\*|__|~~)(.+?)\1"), r"\2"), (re.compile(r"(?<![\w*])[*_](\S(?:.*?\S)?)[*_](?![\w*])"), r"\1"),
          (re.compile(r"`([^`]*)`"), r"\1"), (re.compile(r"\s+#+\s*$"), "")]


@dataclass(frozen=True)
class Sentence:
    """A sentence of the article, as plain text, with the line it starts on."""

    text: str
    line: int


@dataclass(frozen=True)
class Match:
    """A catalog claim covering a sentence: how (contained, or the share of its word pairs found)."""

    catalog: str
    claim_id: str
    checkable: bool
    score: float  # 1.0 when one text contains the other


@dataclass(frozen=True)
class Scanned:
    """A sentence stating a figure, a comparison or a superlative: its cues and the claims covering it."""

    sentence: Sentence
    cues: tuple[Cue, ...]
    matches: tuple[Match, ...]

    @property
    def status(self) -> str:
        """covered (by a checkable claim), not_checkable (only by not_checkable claims) or not_covered."""
        if any(m.checkable for m in self.matches):
            return "covered"
        return "not_checkable" if self.matches else "not_covered"


def blocks(text: str) -> list[tuple[int, str]]:
    """Markdown's paragraphs, headings and list items as (first line, plain text); code blocks and rules dropped."""
    found: list[tuple[int, list[str]]] = []
    fenced, open_block = False, False
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.lstrip().startswith(("```", "~~~")):
            fenced, open_block = not fenced, False
            continue
        stripped = raw.strip()
        if fenced or not stripped or re.fullmatch(r"([-*_=]\s*){3,}|\[[^\]]+\]:\s*\S+.*", stripped):
            open_block = False
            continue
        marker = BLOCK_START.match(raw)
        line = raw[marker.end():] if marker else raw
        if marker or not open_block or re.match(r"\s{0,3}#", raw):
            found.append((number, []))
        found[-1][1].append(line.strip())
        open_block = not re.match(r"\s{0,3}#", raw)  # a heading is a block of its own
    result = []
    for number, lines in found:
        plain = "\n".join(lines)
        for rx, repl in INLINE:
            plain = rx.sub(repl, plain)
        result.append((number, plain))
    return result


def _ends_sentence(block: str, end: re.Match) -> bool:
    """Whether a full stop ends a sentence: not after "No.", "Jan.", an initial, nor "U.S." before a name."""
    before = re.search(r"([\w.]+)$", block[:end.start() + 1])
    word = before.group(1).rstrip(".").lower() if before else ""
    if block[end.start()] != "." or not word:
        return True
    if word in ABBREVIATIONS or re.fullmatch(r"[a-z]", word):
        return False
    if re.fullmatch(r"([a-z]\.)+[a-z]", word):  # an initialism: U.S., U.K.
        following = re.match(r"\s+[\"'“‘(]?(\w+)", block[end.end():])
        return bool(following) and following.group(1).lower() in STARTERS
    return True


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of Markdown or plain text, in order, as plain text (no Markdown marks)."""
    sentences = []
    for line, block in blocks(text):
        starts = [0] + [end.end() for end in END.finditer(block) if _ends_sentence(block, end)]
        for start, stop in zip(starts, starts[1:] + [len(block)]):
            piece = block[start:stop]
            first = start + len(piece) - len(piece.lstrip())
            if piece.strip():
                sentences.append(Sentence(" ".join(piece.split()), line + block.count("\n", 0, first)))
    return sentences


def detect(text: str) -> list[tuple[Sentence, list[Cue]]]:
    """Every sentence that states a figure, a comparison or a superlative, with the cues that say so."""
    return [(s, found) for s in split_sentences(text) if (found := cues(s.text))]


def words(text: str) -> list[str]:
    """Lower-case words and numbers of a text, punctuation, quotes and Markdown marks dropped."""
    text = text.lower().translate(str.maketrans("’‘“”–—", "''\"\"--"))
    return re.findall(r"[$%€£]|[a-z0-9]+(?:['.,][a-z0-9]+)*", text)


def match_score(quoted: str, sentence: str) -> float:
    """1.0 when one text contains the other word for word, else the share of the quote's word pairs in the sentence."""
    q, s = words(quoted), words(sentence)
    if not q or not s:
        return 0.0
    joined_q, joined_s = f" {' '.join(q)} ", f" {' '.join(s)} "
    if joined_q in joined_s or joined_s in joined_q:
        return 1.0
    pairs = set(zip(q, q[1:]))
    return len(pairs & set(zip(s, s[1:]))) / len(pairs) if len(pairs) >= 3 else 0.0


def matches(sentence: str, catalogs) -> list[Match]:
    """The claims of the catalogs whose quoted sentence covers this sentence, best first."""
    found = [Match(c.article_id, claim.id, not claim.not_checkable, score)
             for c in catalogs for claim in c.claims if (score := match_score(claim.sentence, sentence)) >= MATCH_SHARE]
    return sorted(found, key=lambda m: -m.score)


def scan(text: str, catalogs) -> list[Scanned]:
    """The article's figure sentences, each with its cues and covering claims."""
    return [Scanned(s, tuple(found), tuple(matches(s.text, catalogs))) for s, found in detect(text)]


def unquoted(text: str, catalogs) -> list[tuple[str, str]]:
    """(catalog, claim id) of the catalogs covering any sentence of this article whose quote no sentence matches:
    the article was edited, or the quote mistyped."""
    sentences = [s.text for s in split_sentences(text)]
    found = {c.article_id: [claim.id for claim in c.claims
                            if not any(match_score(claim.sentence, s) >= MATCH_SHARE for s in sentences)]
             for c in catalogs}
    return [(cid, claim_id) for c in catalogs if len(found[cid := c.article_id]) < len(c.claims)
            for claim_id in found[cid]]
