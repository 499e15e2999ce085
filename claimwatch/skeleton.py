"""The catalog skeleton `claimwatch new-article` writes: an article block and a commented stub per figure sentence (pure)."""

from __future__ import annotations

import json
import re

from claimwatch.claims.rules import RULES
from claimwatch.scan import Scanned, words

STOPWORDS = {"a", "an", "the", "in", "of", "on", "at", "to", "for", "and", "or", "but", "by", "with", "from", "as",
             "is", "are", "was", "were", "be", "has", "have", "had", "that", "this", "it", "its", "than", "more",
             "s", "u.s", "us", "every", "also", "even", "which", "who", "what", "their", "our", "we", "they"}

HEADER = """\
# The claim catalog of one article (see README "Claims"): a skeleton written by `claimwatch new-article` from
# {source}.
# Fill in the article block. Below `claims:` every sentence `claimwatch scan` found stating a figure, a comparison
# or a superlative is a commented claim stub. To catalog one: delete the `[]` after `claims:` (for the first one),
# remove the leading "#" of each line of its stub, and replace every TODO. A sentence no recorded source can check
# keeps its id, sentence and meaning and takes `not_checkable: {{reason: …, source_needed: …}}` instead of
# indicator, observe, rule and as_stated. Rule kinds (claimwatch/claims/rules.py): {kinds}.
# `claimwatch lint --catalog {path}` checks the result.
article:
  id: {id}
  title: {title}
  url: null        # the article's address (https://…)
  author: null     # who wrote it, as the byline gives it
  published: null  # when it was published (YYYY-MM-DD)
  owner: null      # who answers for its verdicts: a Slack user (U…/W…) or user group (S…) id, mentioned on corrections
  channel: null    # the Slack channel id (C…/G…) or #name its alerts go to (default: $SLACK_CHANNEL)

claims: []  # delete the [] when you uncomment the first stub below
"""

STUB = """\
#  - id: {id}
#    sentence: {sentence}
#    meaning: "TODO: what the sentence states, in data terms"
#    indicator: TODO  # the name of an sql/indicators/<name>.sql
#    observe: TODO  # a query over `indicator` returning the columns the rule needs
#    rule:
#      kind: TODO  # a rule kind (listed at the top)
#      why: "TODO: the reason for the rule and its tolerance, in plain words"
#    as_stated: {{label: "TODO: the period as the article states it"}}
"""


def slug(title: str) -> str:
    """An article id from a title: lower-case words and numbers joined by underscores."""
    return "_".join(re.findall(r"[a-z0-9]+", re.sub(r"['’.]", "", title.lower())))


def stub_id(sentence: str, taken: set[str]) -> str:
    """A claim id suggestion: the sentence's first five content words, made unique among `taken`."""
    kept = [w.replace(".", "").replace(",", "").replace("'", "") for w in words(sentence)
            if w not in STOPWORDS and re.match(r"[a-z0-9]", w)]
    base = "_".join(kept[:5]) or "claim"
    found, n = base, 1
    while found in taken:
        n += 1
        found = f"{base}_{n}"
    taken.add(found)
    return found


def skeleton(article_id: str, title: str, source: str, path: str, scanned: list[Scanned]) -> str:
    """The YAML text of a new catalog: it loads as a catalog with no claims, each stub ready to uncomment."""
    text = HEADER.format(source=source, path=path, id=article_id, title=json.dumps(title, ensure_ascii=False),
                         kinds=", ".join(RULES))
    taken: set[str] = set()
    for n, found in enumerate(scanned, start=1):
        cue_list = ", ".join(f"{c.text} ({c.kind})" for c in found.cues)
        text += f"\n# {n}. line {found.sentence.line}; cues: {cue_list}\n"
        by_catalog: dict[str, list[str]] = {}
        for m in found.matches:
            by_catalog.setdefault(m.catalog, []).append(m.claim_id + ("" if m.checkable else " (not_checkable)"))
        for catalog, ids in by_catalog.items():
            text += f"# already covered in the catalog {catalog}: {', '.join(ids)}\n"
        text += STUB.format(id=stub_id(found.sentence.text, taken),
                            sentence=json.dumps(found.sentence.text, ensure_ascii=False))
    return text
