"""Copy the Great Expectations Data Docs of each release's latest validation into the site, linked relatively."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

DOCS_FOLDER = "validation-docs"  # inside the site folder


def site_folder(db) -> Path:
    """The site folder of a store: data/site for the default claimwatch.duckdb, else data/<name>-site; a DuckLake's
    is `site/` in its data folder ($CLAIMWATCH_DATA_PATH), never a folder named after its setting."""
    from claimwatch.config import store_location

    location = store_location(db)
    if location.is_lake:
        return location.home / "site"
    db = location.path
    return db.with_name("site") if db.stem == "claimwatch" else db.with_name(f"{db.stem}-site")


def _copy_file(src: str, dst: str) -> None:
    """A hard link when the file system allows it (Data Docs never change once built), else a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def release_pages(docs: Path, release_id: str) -> list[tuple[str, Path]]:
    """The Data Docs pages of one release's validation in a run's folder: (frame, page), by frame."""
    key = release_id.replace("/", "_")  # GX run names cannot hold '/'
    pages = sorted((p.parent.parent.parent.name, p) for p in (docs / "validations").glob(f"*/*/{key}/*/*.html"))
    return pages


def bundle_data_docs(releases: list[dict], site: Path) -> None:
    """Copy each run folder the releases' latest validations point to into `site`/validation-docs/ and give each
    release `docs_index` and `docs_pages` (frame, link) relative to the site's root; a folder gone leaves none."""
    copied: dict[Path, Path | None] = {}
    for release in releases:
        release["docs_index"], release["docs_pages"] = None, []
        if not release.get("data_docs"):
            continue
        source = Path(release["data_docs"])
        if source not in copied:
            if (source / "index.html").is_file():
                target = site / DOCS_FOLDER / source.name
                if not target.exists():
                    shutil.copytree(source, target, copy_function=_copy_file)
                copied[source] = target
            else:
                copied[source] = None
        target = copied[source]
        if target is None:
            continue
        release["docs_index"] = (target / "index.html").relative_to(site).as_posix()
        release["docs_pages"] = [(frame, page.relative_to(site).as_posix())
                                 for frame, page in release_pages(target, release["release_id"])]
