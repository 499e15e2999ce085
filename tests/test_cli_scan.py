"""`claimwatch scan` and `claimwatch new-article`: claim coverage of an article, and a catalog skeleton from it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from claim_support import catalog_ids
from claimwatch.claims.catalog import load_catalog
from claimwatch.cli import app

runner = CliRunner()


@pytest.fixture
def article(shared_data):
    """The monitored article, ../shared/article.md: its absence is a failure, never a skip."""
    path = shared_data.parent / "article.md"
    if not path.is_file():
        pytest.fail(f"the monitored article is missing: {path}")
    return path


@pytest.fixture
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # one line per sentence


def test_scan_lists_every_figure_sentence_with_its_claims(article, wide):
    result = runner.invoke(app, ["scan", str(article), "--fail-on-uncovered"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (f"{article}: 17 sentence(s) state a figure, a comparison or a superlative: 9 covered, "
                        f"8 not checkable, 0 not covered (catalogs: {', '.join(catalog_ids())})")
    at = lines.index("✓ line 9: In 2024, Mexico bought $335 billion in U.S. goods, 2.3 times more than China.")
    assert lines[at + 1] == "    cues: $335 billion (figure), 2.3 times (figure), more than (comparison)"
    assert lines[at + 2] == "    covered by: mexico_exports_2024 (checkable), mexico_china_ratio_2024 (checkable)"
    assert ("    not checkable, covered by: mexico_fentanyl_seizures_increased (not_checkable)"
            in lines) and "not covered by any catalog" not in result.output


def test_scan_json(article):
    result = runner.invoke(app, ["scan", str(article), "--json", "--catalog", "us_mexico_trade_oped_2025"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["counts"] == {"covered": 9, "not_checkable": 8, "not_covered": 0}
    assert doc["catalogs"] == ["us_mexico_trade_oped_2025"] and doc["unquoted_claims"] == []
    (june,) = [s for s in doc["sentences"] if s["sentence"].startswith("In June 2025")]
    assert june["line"] == 19 and june["status"] == "covered"
    assert [c["text"] for c in june["cues"]] == ["lowest", "nearly 90%", "lower than"]
    assert {c["claim"]: c["checkable"] for c in june["claims"]} == {
        "june_2025_lowest_nationwide_encounters": True, "june_2025_vs_2021_2024_average": True}


def test_an_uncovered_sentence_fails_only_with_the_flag(tmp_path, wide):
    draft = tmp_path / "draft.md"
    draft.write_text("# Draft\n\nIn 2024, Mexico bought $335 billion in U.S. goods, 2.3 times more than China.\n"
                     "Exports to Peru fell 3% in **2024**. It rained.\n")
    plain = runner.invoke(app, ["scan", str(draft)])
    assert plain.exit_code == 0, plain.output
    assert "✗ line 4: Exports to Peru fell 3% in 2024.\n    cues: fell (change), 3% (figure)\n    not covered by any catalog" in plain.output
    assert "1 covered, 0 not checkable, 1 not covered" in plain.output
    # the catalog covers this article, so its claims that quote other sentences are named
    assert "us_mexico_trade_oped_2025: mexico_largest_buyer quotes a sentence this article does not have" in plain.output
    failing = runner.invoke(app, ["scan", str(draft), "--fail-on-uncovered"])
    assert failing.exit_code == 1 and "1 figure sentence(s) in no catalog" in failing.output
    as_json = runner.invoke(app, ["scan", str(draft), "--fail-on-uncovered", "--json"])
    assert as_json.exit_code == 1 and json.loads(as_json.stdout)["counts"]["not_covered"] == 1


def test_scan_refuses_an_unknown_catalog_and_a_missing_file(article, tmp_path, wide):
    unknown = runner.invoke(app, ["scan", str(article), "--catalog", "nope"])
    assert unknown.exit_code == 2
    assert f"unknown catalog 'nope'; known: {', '.join(catalog_ids())}" in " ".join(unknown.output.split())
    missing = runner.invoke(app, ["scan", str(tmp_path / "gone.md")])
    assert missing.exit_code == 2 and f"{tmp_path / 'gone.md'}: no such file" in missing.output


def test_new_article_writes_a_skeleton_that_loads(article, tmp_path, wide):
    result = runner.invoke(app, ["new-article", "U.S.–Mexico trade: a second op-ed", "--from", str(article),
                                 "--claims", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / "us_mexico_trade_a_second_op_ed.yaml"
    assert f"Wrote {path}: the article block and 17 claim stub(s) to fill (17 of them already covered" in result.output
    catalog = load_catalog(path)
    assert catalog.claims == () and catalog.article["title"] == "U.S.–Mexico trade: a second op-ed"
    text = path.read_text()
    assert text.count("\n#  - id: ") == 17
    assert "# already covered in the catalog us_mexico_trade_oped_2025: mexico_exports_2024, mexico_china_ratio_2024" in text
    again = runner.invoke(app, ["new-article", "U.S.–Mexico trade: a second op-ed", "--from", str(article),
                                "--claims", str(tmp_path)])
    assert again.exit_code == 2 and "already exists; nothing written" in again.output
    assert path.read_text() == text


def test_new_article_folder_and_id(article, tmp_path, monkeypatch, wide):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    monkeypatch.setenv("CLAIMWATCH_CLAIMS", f"{first}:{second}")
    result = runner.invoke(app, ["new-article", "Anything", "--from", str(article), "--id", "my-oped"])
    assert result.exit_code == 0, result.output
    assert load_catalog(first / "my-oped.yaml").article_id == "my-oped" and not list(second.iterdir())
    monkeypatch.delenv("CLAIMWATCH_CLAIMS")
    default = tmp_path / "default"
    default.mkdir()
    monkeypatch.setattr("claimwatch.claims.catalog.claims_dir", lambda: default)
    assert runner.invoke(app, ["new-article", "Plain title", "--from", str(article)]).exit_code == 0
    assert (default / "plain_title.yaml").is_file()
    bad_id = runner.invoke(app, ["new-article", "X", "--from", str(article), "--id", "../escape"])
    assert bad_id.exit_code == 2 and "cannot name a catalog file" in " ".join(bad_id.output.split())
    new_folder = runner.invoke(app, ["new-article", "X", "--from", str(article), "--claims", str(tmp_path / "newsroom")])
    assert new_folder.exit_code == 0 and load_catalog(tmp_path / "newsroom" / "x.yaml").claims == ()  # folder made
    (tmp_path / "a-file").write_text("")
    not_folder = runner.invoke(app, ["new-article", "X", "--from", str(article), "--claims", str(tmp_path / "a-file")])
    assert not_folder.exit_code == 2 and "is a file, not a folder of catalogs" in " ".join(not_folder.output.split())
