"""Say why a release was kept out in words an editor reads at a glance (pure: no I/O).

Great Expectations' names, kwargs and long floats stay in the alert's details; the headline gets
"three months revised by more than 2% of their totals in cbp_drug_seizures".
"""

from __future__ import annotations

import json

NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
UNIT = {"rows": "rows", "period_revisions": "months", "fiscal_years": "fiscal years", "newest_period": "months"}


def count_words(n: int, noun: str) -> str:
    """'three months', 'one month', '12 rows'."""
    word = NUMBERS[n] if 0 <= n < len(NUMBERS) else f"{n:,}"
    return f"{word} {noun[:-1] if n == 1 and noun.endswith('s') else noun}"


def _share(value: float) -> str:
    return f"{value:.0%}" if value >= 0.01 else f"{value:.1%}"


def _bounds(kwargs: dict) -> tuple[float | None, float | None]:
    return kwargs.get("min_value"), kwargs.get("max_value")


def _phrase(finding: dict) -> str:
    """One failed expectation in plain words."""
    frame, column, kind = finding.get("frame"), finding.get("column_name"), finding.get("expectation", "")
    kwargs = finding.get("kwargs") or {}
    if isinstance(kwargs, str):
        kwargs = json.loads(kwargs)
    n = finding.get("unexpected_count") or 0
    low, high = _bounds(kwargs)
    noun = UNIT.get(frame, "rows")
    name = (column or "").replace("_", " ")
    if frame == "period_revisions" and column == "revision_share":
        return f"{count_words(n, 'months')} revised by more than {_share(high)} of their totals"
    if frame == "period_revisions" and column == "row_ratio":
        return f"{count_words(n, 'months')} whose number of rows changed by more than 10% from the last release"
    if frame == "fiscal_years" and column == "difference":
        return f"{count_words(n, 'fiscal years')} whose total is not the sum of their months"
    if frame == "newest_period":
        return "the newest month looks cut short (far fewer rows or a much smaller total than the months before it)"
    if frame == "release_summary":
        return {"row_count": "the file holds no rows",
                "row_count_ratio": "the number of rows is less than half or more than double the last release's",
                "missing_periods": "months are missing inside the period it covers",
                "periods_after_data_through": "it holds months after the month it says it runs through",
                "periods_newer_than_previous": "it runs through an earlier month than the release already published",
                "common_total_ratio": "its totals differ by more than 10% from the last release over the same months",
                }.get(column, f"its {name} is out of the expected range")
    if kind.endswith("to_not_be_null"):
        return f"{count_words(n, noun)} with no {name}"
    if kind.endswith("compound_columns_to_be_unique"):
        return f"{count_words(n, noun)} that repeat the same key and month"
    if kind.endswith("table_columns_to_match_set"):
        return "its columns are not the ones expected"
    if kind.endswith("to_be_of_type"):
        return f"{name} is not of the expected type"
    if kind.endswith("to_be_in_set"):
        return f"{count_words(n, noun)} with an unknown {name}"
    if kind.endswith("to_be_between") and low == 0 and high is None:
        return f"{count_words(n, noun)} with a negative {name}"
    if kind.endswith("to_be_between"):
        return f"{count_words(n, noun)} with {name} out of the expected range"
    return f"{name or 'the file'} failed a check ({finding.get('notes') or kind})"


def kept_out_summary(findings: list[dict], source: str) -> str:
    """Every failed error expectation of a release in plain words, then 'in SOURCE'."""
    phrases = list(dict.fromkeys(_phrase(f) for f in findings))
    if not phrases:
        return ""
    text = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return f"{text} in {source}"
