"""Catalogs from anywhere (--claims, $CLAIMWATCH_CLAIMS, the project's claims/), the article block, `articles`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from claimwatch.claims.articles import CLAIMS_ENV, CatalogFolderError, article_problems, catalog_dirs, project_claims_dir
from claimwatch.claims.catalog import load_catalog, load_catalogs
from claimwatch.cli import app
from claimwatch.errors import CatalogError

runner = CliRunner()
OPED = project_claims_dir() / "us_mexico_trade_oped_2025.yaml"


def write_article(folder: Path, article_id: str, claim_ids: list[str], **article) -> Path:
    """A catalog in `folder` holding some of the op-ed's claims under another article id."""
    doc = yaml.safe_load(OPED.read_text())
    doc["article"] = {"id": article_id, "title": f"Brief {article_id}", **article}
    doc["claims"] = [c for c in doc["claims"] if c["id"] in claim_ids]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{article_id}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_article_block_is_checked_key_by_key():
    assert article_problems({"id": "a", "title": "T", "owner": "U024BE7LH", "channel": "C0BORDER", "note": "n"}) == []
    assert article_problems({"id": "a", "owner": "S0DESK", "channel": "#border-desk"}) == []
    found = article_problems({"id": "a", "owner": "@maria", "channel": "Border Desk", "editor": "x", "title": ""})
    assert any("unknown key(s) ['editor']" in p for p in found)
    assert any("'owner' '@maria': expected a Slack user id" in p for p in found)
    assert any("'channel' 'Border Desk'" in p for p in found)
    assert any("'title' must be non-empty text" in p for p in found)


def test_a_wrong_article_block_is_a_catalog_error_naming_the_file(tmp_path):
    path = write_article(tmp_path, "brief", ["mexico_exports_2024"], owner="maria")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert str(path) in str(caught.value) and "'owner' 'maria'" in str(caught.value)


def test_catalog_folders_come_from_the_option_then_the_environment_then_the_project(tmp_path, monkeypatch):
    assert catalog_dirs() == [project_claims_dir()]
    a, b = tmp_path / "a", tmp_path / "b"
    write_article(a, "brief_a", ["mexico_exports_2024"])
    write_article(b, "brief_b", ["mexico_exports_2024"], channel="C0BRIEFB", owner="S0DESK")
    monkeypatch.setenv(CLAIMS_ENV, f"{a}:{b}")
    catalogs = load_catalogs()
    assert [c.article_id for c in catalogs] == ["brief_a", "brief_b"]
    assert (catalogs[1].channel, catalogs[1].owner, catalogs[0].channel) == ("C0BRIEFB", "S0DESK", None)
    assert [c.article_id for c in load_catalogs([b])] == ["brief_b"]  # an explicit folder wins
    monkeypatch.setenv(CLAIMS_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(CatalogFolderError, match=r"\$CLAIMWATCH_CLAIMS: .*nowhere is not a folder of catalogs"):
        load_catalogs()


def test_one_article_id_in_two_folders_is_an_error_naming_both(tmp_path):
    first = write_article(tmp_path / "a", "brief", ["mexico_exports_2024"])
    second = write_article(tmp_path / "b", "brief", ["mexico_exports_2024"])
    with pytest.raises(CatalogError) as caught:
        load_catalogs([tmp_path / "a", tmp_path / "b"])
    assert str(first) in str(caught.value) and str(second) in str(caught.value)


def test_articles_lists_catalogs_of_the_claims_option_with_their_last_evaluation(built_db, tmp_path):
    store = tmp_path / "claimwatch.duckdb"
    shutil.copy(built_db, store)
    write_article(tmp_path / "mine", "brief", ["mexico_exports_2024", "mexico_china_ratio_2024"],
                  channel="C0BRIEF", owner="U024BE7LH")
    result = runner.invoke(app, ["--claims", str(tmp_path / "mine"), "articles", "--db", str(store), "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert (row["article"], row["claims"], row["channel"], row["owner"]) == ("brief", 2, "C0BRIEF", "U024BE7LH")
    assert row["last_evaluated"] is None  # the store holds the op-ed's evaluations, not this brief's
    checked = runner.invoke(app, ["check", "--db", str(store), "--record"])
    assert checked.exit_code == 0, checked.output
    assert checked.output.count("\n2 claims:") + checked.output.startswith("2 claims:") == 1, checked.output
    (row,) = json.loads(runner.invoke(app, ["articles", "--db", str(store), "--json"]).output)
    assert row["last_evaluated"].endswith(" UTC")
    shown = runner.invoke(app, ["articles", "--db", str(store)]).output
    assert "brief" in shown and "2 (2 checkable)" in shown and "C0BRIEF" in shown


def test_a_claim_id_two_articles_share_is_named_article_slash_claim(built_db, tmp_path):
    store = tmp_path / "claimwatch.duckdb"
    shutil.copy(built_db, store)
    write_article(tmp_path / "mine", "brief", ["mexico_exports_2024"])
    both = ["--claims", str(project_claims_dir()), "--claims", str(tmp_path / "mine")]
    ambiguous = runner.invoke(app, [*both, "history", "mexico_exports_2024", "--db", str(store)])
    message = str(ambiguous.exception)  # `claimwatch` prints it as one line (cli_guard); the runner keeps the error
    assert "is in 2 catalogs: " in message and "brief/mexico_exports_2024; name one as ARTICLE/CLAIM" in message
    filled = runner.invoke(app, [*both, "backfill", "brief/mexico_exports_2024", "--db", str(store)])
    assert filled.exit_code == 0, filled.output
    shown = runner.invoke(app, [*both, "history", "brief/mexico_exports_2024", "--db", str(store)])
    assert shown.exit_code == 0, shown.output
    assert shown.output.count("as of ") >= 2  # the brief's own steps, backfilled over the stored census vintages
