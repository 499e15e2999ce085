"""Where catalogs live (--claims DIR, $CLAIMWATCH_CLAIMS, the project's claims/) and what an article block holds."""

from __future__ import annotations

import os
import re
from pathlib import Path

from claimwatch.errors import ClaimwatchError

CLAIMS_ENV = "CLAIMWATCH_CLAIMS"  # folders of catalogs, separated by os.pathsep (":" on Linux)

# The `article:` block of a catalog: every key optional but `id` (the file's name). Meanings in README "Articles".
ARTICLE_KEYS = {
    "id": "the article's id: the catalog file's name",
    "title": "the article's title",
    "author": "who wrote it",
    "published": "when it was published (a date or a year)",
    "url": "where it is published",
    "owner": "a Slack user (U…/W…) or user group (S…) id, mentioned on corrections",
    "channel": "the Slack channel id (C…/G…) or #name its alerts go to (default: the configured channel)",
    "note": "anything a reader of the catalog should know (e.g. that the piece is fictional)",
}
SLACK_USER = re.compile(r"^[UWS][A-Z0-9]{2,}$")
SLACK_CHANNEL = re.compile(r"^([CG][A-Z0-9]{2,}|#[a-z0-9][a-z0-9._-]{0,79})$")


class CatalogFolderError(ClaimwatchError):
    """A catalog folder named by --claims or $CLAIMWATCH_CLAIMS that cannot be read."""


def project_claims_dir() -> Path:
    """The project's own catalogs: claims/ beside the package in a checkout, claimwatch/catalogs/ in a wheel."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package.parent / "claims", package / "catalogs"):
        if candidate.is_dir():
            return candidate
    raise CatalogFolderError(f"no claims/ folder beside {package} and no catalogs shipped in it")


def env_dirs() -> list[Path]:
    """The folders $CLAIMWATCH_CLAIMS names, as given (not checked)."""
    return [Path(d) for d in os.environ.get(CLAIMS_ENV, "").split(os.pathsep) if d.strip()]


def catalog_dirs(explicit: list[str | Path] | None = None) -> list[Path]:
    """The folders catalogs are read from: explicit ones, else $CLAIMWATCH_CLAIMS, else the project's claims/."""
    named = [Path(d) for d in explicit or ()] or env_dirs()
    if not named:
        return [project_claims_dir()]
    origin = "--claims" if explicit else f"${CLAIMS_ENV}"
    for folder in named:
        if not folder.is_dir():
            raise CatalogFolderError(f"{origin}: {folder} is not a folder of catalogs (expected <article-id>.yaml files)")
    return named


def catalog_files(explicit: list[str | Path] | None = None) -> list[Path]:
    """Every <article-id>.yaml in the catalog folders, in folder order then by name."""
    return [p for folder in catalog_dirs(explicit) for p in sorted(folder.glob("*.yaml"))]


def article_problems(article: object) -> list[str]:
    """Every problem with a catalog's `article:` block, each naming the key; [] when it is well formed."""
    if not isinstance(article, dict):
        return ["article must be a mapping with at least an 'id'"]
    found = []
    unknown = sorted(set(article) - set(ARTICLE_KEYS))
    if unknown:
        found.append(f"article has unknown key(s) {unknown}; expected some of {sorted(ARTICLE_KEYS)}")
    for key in ("title", "author", "url", "note"):
        if article.get(key) is not None and not (isinstance(article[key], str) and article[key].strip()):
            found.append(f"article {key!r} must be non-empty text or null, not {article[key]!r}")
    owner, channel = article.get("owner"), article.get("channel")
    if owner is not None and not (isinstance(owner, str) and SLACK_USER.match(owner)):
        found.append(f"article 'owner' {owner!r}: expected a Slack user id (U… or W…) or user group id (S…), "
                     "e.g. U024BE7LH")
    if channel is not None and not (isinstance(channel, str) and SLACK_CHANNEL.match(channel)):
        found.append(f"article 'channel' {channel!r}: expected a Slack channel id (C… or G…) or a #name in lowercase")
    return found


def resolve_claim(target: str, catalogs: list) -> tuple:
    """The (catalog, claim) an editor names: `ARTICLE/CLAIM`, or a bare claim id held by exactly one catalog
    (claim ids are unique only within their article: an id in several catalogs must name its article)."""
    catalogs = list(catalogs)
    article_id, _, claim_id = target.rpartition("/")
    found = [(c, claim) for c in catalogs for claim in c.claims
             if claim.id == claim_id and article_id in ("", c.article_id)]
    if len(found) == 1:
        return found[0]
    if found:
        raise ClaimwatchError(f"claim {claim_id!r} is in {len(found)} catalogs: "
                              f"{', '.join(f'{c.article_id}/{claim.id}' for c, claim in found)}; name one as ARTICLE/CLAIM")
    if article_id and article_id not in {c.article_id for c in catalogs}:
        raise ClaimwatchError(f"no article {article_id!r}; known: {', '.join(sorted(c.article_id for c in catalogs))}")
    known = sorted(claim.id for c in catalogs if article_id in ("", c.article_id) for claim in c.claims)
    where = f"article {article_id!r}" if article_id else "the catalogs"
    raise ClaimwatchError(f"no claim {claim_id!r} in {where}; known: {', '.join(known)}")
