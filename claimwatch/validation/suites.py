"""Load the expectation suites in expectations/: one GX Core 1.x suite (JSON) per normalised table.

Each expectation carries GX's own `severity`: `critical` blocks publication (claimwatch calls it an *error*),
`warning` publishes and reports. `meta.frame` names the data it runs on (see frames.py); it defaults to the
release's rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from claimwatch.config import project_dir
from claimwatch.errors import FormatError
from claimwatch.validation.frames import ROWS

SEVERITIES = {"critical": "error", "warning": "warning", "info": "info"}


def expectations_dir() -> Path:
    """The project's expectations/ folder."""
    return project_dir("expectations")


@dataclass(frozen=True)
class SuiteFile:
    """One suite file: the table it validates, its expectations (GX JSON dicts) grouped by frame, and a digest
    of the file's bytes and the GX version (a release validated under another digest is no baseline)."""

    table: str
    path: Path
    by_frame: dict[str, list[dict]]
    digest: str = ""

    @property
    def expectation_count(self) -> int:
        return sum(len(exps) for exps in self.by_frame.values())


def load_suite(path: Path) -> SuiteFile:
    """Read and check one suite file; a malformed one raises FormatError naming the expectation."""
    data = path.read_bytes()
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as exc:
        raise FormatError(str(path), f"not valid JSON ({exc.msg})", row=exc.lineno) from None
    if doc.get("name") != path.stem:
        raise FormatError(str(path), f"suite name {doc.get('name')!r} should be the file's name {path.stem!r}")
    by_frame: dict[str, list[dict]] = {}
    for number, exp in enumerate(doc.get("expectations") or [], start=1):
        where = f"expectation {number} ({exp.get('type', '?')})"
        if not isinstance(exp.get("type"), str) or not isinstance(exp.get("kwargs"), dict):
            raise FormatError(str(path), f"{where}: needs a 'type' and a 'kwargs' object")
        severity = exp.get("severity")
        if severity not in SEVERITIES:
            raise FormatError(str(path), f"{where}: severity {severity!r}, expected one of {sorted(SEVERITIES)}")
        frame = (exp.get("meta") or {}).get("frame", ROWS)
        by_frame.setdefault(frame, []).append(exp)
    if not by_frame:
        raise FormatError(str(path), "no expectations")
    text = data + f"\ngreat_expectations {version('great_expectations')}".encode()
    return SuiteFile(path.stem, path, by_frame, hashlib.sha256(text).hexdigest())


def load_suites(folder: Path | None = None) -> dict[str, SuiteFile]:
    """Every suite in `folder` (default: the project's expectations/), keyed by table name."""
    folder = folder or expectations_dir()
    return {p.stem: load_suite(p) for p in sorted(folder.glob("*.json"))}
