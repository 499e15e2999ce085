"""schema.org ClaimReview markup for each claim: the sentence, where it appeared, and the verdict on a stated scale."""

from __future__ import annotations

import json

from claimwatch.alerts.links import claim_path
from claimwatch.verdict_text import WORD, paste_ready
from claimwatch.claims.catalog import Claim
from claimwatch.claims.judge import Verdict, overall

# The verdict on the article's own statement (as stated), on a 1-5 scale; unknown and not checkable carry no value.
SCALE = {"fails": 1, "depends_on_reading": 3, "holds_over_coverage": 4, "holds": 5}
BEST, WORST = 5, 1
REVIEWER = {"@type": "Organization", "name": "claimwatch"}


def claim_page_url(site_url: str | None, article_id: str, claim_id: str) -> str:
    """The claim page's address: under the published site when its URL is known, else relative to the site root."""
    path = claim_path(article_id, claim_id)
    return f"{site_url.rstrip('/')}/{path}" if site_url else path


def _drop_empty(value: dict) -> dict:
    return {k: v for k, v in value.items() if v not in (None, "", {}, [])}


def item_reviewed(article: dict) -> dict:
    """The Claim as it appeared in the article: its URL, author and date where the catalog knows them."""
    author = {"@type": "Person", "name": article["author"]} if article.get("author") else None
    published = str(article["published"]) if article.get("published") else None
    appearance = _drop_empty({"@type": "Article", "headline": article.get("title"), "url": article.get("url"),
                              "author": author, "datePublished": published})
    return _drop_empty({"@type": "Claim", "appearance": appearance, "author": author, "datePublished": published})


def review_rating(claim: Claim, verdicts: list[Verdict]) -> dict:
    """The as-stated verdict over every reading: its value on the scale, its name in plain words and the paste-ready
    sentence (from the verdict's numbers, through claimwatch/present.py)."""
    stated = [v for v in verdicts if v.mode == "as_stated"] or verdicts
    code, words = overall(stated) if stated else ("unknown", "unknown")
    rating = {"@type": "Rating", "alternateName": (WORD.get(code) or code).capitalize(),
              "bestRating": BEST, "worstRating": WORST, "ratingExplanation": words}
    if code in SCALE:
        rating["ratingValue"] = SCALE[code]
    primary = next((v for v in stated if v.primary), stated[0] if stated else None)
    if primary is not None:
        rating["ratingExplanation"] = paste_ready(claim, primary)[0]
    return rating


def claim_review(article: dict, claim: Claim, verdicts: list[Verdict], published: str, modified: str,
                 site_url: str | None = None) -> dict:
    """One claim's ClaimReview (dates as ISO 8601; its page under the article's id)."""
    return {"@context": "https://schema.org", "@type": "ClaimReview", "url": claim_page_url(site_url, article["id"], claim.id),
            "claimReviewed": claim.sentence, "itemReviewed": item_reviewed(article),
            "reviewRating": review_rating(claim, verdicts), "author": REVIEWER,
            "datePublished": published, "dateModified": modified}


def json_ld(review: dict) -> str:
    """The markup for a <script type="application/ld+json"> element ('</' escaped so it cannot close the script)."""
    return json.dumps(review, ensure_ascii=False, indent=1).replace("</", "<\\/")
