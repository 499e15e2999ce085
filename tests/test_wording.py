"""The wording rules: bounds, half-up rounding edges, margins' signs and the wording the data supports."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from claimwatch.claims.wording import (
    Judgement,
    approximately,
    doses_from_mass,
    format_amount,
    is_extreme,
    more_than_multiple,
    nearly_percent,
    over_bound,
    ranked_sum_exceeds,
    stated_amount,
    times_ratio,
)

# --- format_amount -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (334.0414, {"unit": "billion"}, "$334 billion"),
        (334.0414, {"unit": "billion", "decimals": 1}, "$334.0 billion"),
        (4123, {}, "$4,123"),
        (1234.45, {"unit": "million", "decimals": 1}, "$1,234.5 million"),  # half-up, not banker's
        (2.5, {}, "$3"),
        (0.5, {"prefix": ""}, "1"),
        (92.5, {"prefix": "", "unit": "%"}, "93%"),
        (-5, {}, "-$5"),
        (-0.4, {}, "$0"),
        (Decimal("1.005"), {"decimals": 2}, "$1.01"),
    ],
)
def test_format_amount(value, kwargs, expected):
    assert format_amount(value, **kwargs) == expected


# --- missing and invalid inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize("missing", [None, math.nan, math.inf])
@pytest.mark.parametrize(
    "judge",
    [
        lambda x: stated_amount(x, 335, tolerance=0.01),
        lambda x: times_ratio(x, 2.3),
        lambda x: more_than_multiple(x, 100),
        lambda x: more_than_multiple(100, x),
        lambda x: over_bound(x, 4000),
        lambda x: approximately(x, 100),
        lambda x: nearly_percent(x, 90),
        lambda x: is_extreme({"2023": x, "2024": 1.0}, "2024"),
        lambda x: ranked_sum_exceeds({"A": x, "B": 1.0, "C": 2.0}, ["A"], next_n=2),
        lambda x: doses_from_mass(x, 2, 120e6),
        lambda x: format_amount(x),
    ],
)
def test_missing_or_not_finite_observed_raises(judge, missing):
    with pytest.raises(ValueError):
        judge(missing)


def test_missing_observed_message_says_missing():
    with pytest.raises(ValueError, match="observed is missing"):
        stated_amount(None, 335, tolerance=0.01)
    with pytest.raises(ValueError, match="observed is NaN"):
        times_ratio(float("nan"), 2.3)


def test_non_number_is_a_type_error():
    with pytest.raises(TypeError):
        over_bound("4000", 4000)
    with pytest.raises(TypeError):
        over_bound(True, 0)


# --- stated_amount ---------------------------------------------------------------------------------------------


def test_stated_amount_holds_within_tolerance():
    judgement = stated_amount(334.0414, 335, tolerance=0.01)
    assert judgement == Judgement(
        holds=True,
        observed=334.0414,
        claimed=335.0,
        margin=pytest.approx(2.3914),
        rule="$335 billion within ±1% (331.65 to 338.35)",
        supported=None,
    )


@pytest.mark.parametrize("observed", [331.65, 338.35])
def test_stated_amount_exactly_at_the_bound_holds(observed):
    judgement = stated_amount(observed, 335, tolerance=0.01)
    assert judgement.holds
    assert judgement.margin == 0


@pytest.mark.parametrize("observed", [331.6499, 338.3501])
def test_stated_amount_just_outside_fails(observed):
    judgement = stated_amount(observed, 335, tolerance=0.01)
    assert not judgement.holds
    assert judgement.margin == pytest.approx(-0.0001)
    assert judgement.margin < 0


def test_stated_amount_supported_wording():
    assert stated_amount(301.2, 335, tolerance=0.01).supported == "$301 billion"
    assert stated_amount(301.25, 335, tolerance=0.01, decimals=1).supported == "$301.3 billion"
    assert stated_amount(300.5, 335, tolerance=0.01).supported == "$301 billion"  # half-up
    assert stated_amount(4123, 5000, tolerance=0.05, unit="").supported == "$4,123"


def test_stated_amount_rejects_negative_tolerance():
    with pytest.raises(ValueError, match="tolerance"):
        stated_amount(335, 335, tolerance=-0.01)


# --- times_ratio -----------------------------------------------------------------------------------------------


def test_times_ratio_lower_edge_rounds_up_and_holds():
    judgement = times_ratio(2.25, 2.3)
    assert judgement.holds
    assert judgement.margin == 0
    assert judgement.rule == "2.3 times: observed rounds half-up to it (2.25 to under 2.35)"


def test_times_ratio_upper_edge_rounds_up_and_fails():
    judgement = times_ratio(2.35, 2.3)
    assert not judgement.holds
    assert judgement.margin == 0
    assert judgement.supported == "2.4 times"


def test_times_ratio_just_below_lower_edge_fails():
    judgement = times_ratio(2.2499, 2.3)
    assert not judgement.holds
    assert judgement.margin == pytest.approx(-0.0001)
    assert judgement.supported == "2.2 times"


def test_times_ratio_inside():
    judgement = times_ratio(2.31, 2.3)
    assert judgement.holds
    assert judgement.margin == pytest.approx(0.04)
    assert judgement.supported is None
    assert times_ratio(2.3499, 2.3).margin == pytest.approx(0.0001)


def test_times_ratio_is_half_up_not_bankers():
    assert times_ratio(2.15, 2.2).holds  # round(2.15, 1) gives 2.1 in Python
    assert times_ratio(2.5, 3, decimals=0).holds  # round(2.5) gives 2 in Python


def test_times_ratio_far_off_supports_the_rounded_ratio():
    judgement = times_ratio(2.08, 2.3)
    assert not judgement.holds
    assert judgement.margin == pytest.approx(-0.17)
    assert judgement.supported == "2.1 times"


def test_times_ratio_other_precision():
    assert times_ratio(2.345, 2.35, decimals=2).holds
    assert times_ratio(2.355, 2.35, decimals=2).supported == "2.36 times"
    assert times_ratio(2.6, 3, decimals=0).margin == pytest.approx(0.1)


def test_times_ratio_rejects_a_claim_off_the_rounding_grid():
    with pytest.raises(ValueError, match="decimals"):
        times_ratio(2.3, 2.34)
    with pytest.raises(ValueError, match="positive"):
        times_ratio(2.3, 0)


# --- more_than_multiple ----------------------------------------------------------------------------------------


def test_more_than_double_exactly_double_fails():
    judgement = more_than_multiple(200, 100)
    assert not judgement.holds
    assert judgement.observed == 2.0
    assert judgement.claimed == 2.0
    assert judgement.margin == 0
    assert judgement.supported == "2.0 times"


def test_more_than_double_just_above_holds():
    judgement = more_than_multiple(200.01, 100)
    assert judgement.holds
    assert judgement.margin == pytest.approx(0.0001)
    assert judgement.supported is None
    assert judgement.rule == "more than double: a / b above 2"


def test_more_than_double_fails_with_the_ratio_half_up():
    judgement = more_than_multiple(175, 100)
    assert not judgement.holds
    assert judgement.margin == pytest.approx(-0.25)
    assert judgement.supported == "1.8 times"  # 1.75 rounds half-up


def test_more_than_other_multiple():
    judgement = more_than_multiple(3.1e9, 1e9, multiple=3, words="more than triple")
    assert judgement.holds
    assert judgement.margin == pytest.approx(0.1)
    assert judgement.rule.startswith("more than triple")


def test_more_than_multiple_rejects_non_positive_base():
    with pytest.raises(ValueError, match="positive"):
        more_than_multiple(5, 0)


# --- over_bound ------------------------------------------------------------------------------------------------


def test_over_bound_exactly_at_bound_fails():
    judgement = over_bound(4000, 4000)
    assert not judgement.holds
    assert judgement.margin == 0
    assert judgement.supported == "about $4,000, not over $4,000"


def test_over_bound_just_above_holds():
    judgement = over_bound(4000.01, 4000.0)
    assert judgement.holds
    assert judgement.margin == pytest.approx(0.01)
    assert judgement.rule == "over $4,000"
    assert judgement.supported is None


@pytest.mark.parametrize(
    ("observed", "supported"),
    [
        (3742, "about $3,700, not over $4,000"),
        (3750, "about $3,800, not over $4,000"),
        (3749.99, "about $3,700, not over $4,000"),
        (987.6, "about $990, not over $4,000"),
        (3.456, "about $3.5, not over $4,000"),
        # two figures would round up to the bound and contradict the verdict: one more figure each time
        (3969.4, "about $3,970, not over $4,000"),
        (3999.6, "about $3,999.6, not over $4,000"),
    ],
)
def test_over_bound_supports_two_significant_figures_half_up(observed, supported):
    judgement = over_bound(observed, 4000)
    assert not judgement.holds
    assert judgement.margin < 0
    assert judgement.supported == supported


def test_over_bound_with_unit():
    judgement = over_bound(11.6, 12, prefix="", unit="million")
    assert judgement.rule == "over 12 million"
    assert judgement.supported == "about 11.6 million, not over 12 million"  # never "about 12 million"


# --- approximately ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("observed", "holds", "margin", "supported"),
    [
        (95, True, 0, None),  # 9.5e1 rounds half-up to 1e2
        (94.9, False, -0.1, "$90"),
        (100, True, 5, None),
        (149.9, True, 0.1, None),
        (150, False, 0, "$200"),
        (160, False, -10, "$200"),
    ],
)
def test_approximately_one_significant_figure(observed, holds, margin, supported):
    judgement = approximately(observed, 100)
    assert judgement.holds is holds
    assert judgement.margin == pytest.approx(margin)
    assert judgement.supported == supported
    assert judgement.rule == "$100 to 1 significant figure (95 to under 150)"


def test_approximately_away_from_a_power_of_ten_is_symmetric():
    assert approximately(250, 300).holds
    assert not approximately(249.9, 300).holds
    assert not approximately(350, 300).holds
    assert approximately(300, 300).margin == pytest.approx(50)


def test_approximately_two_significant_figures():
    assert approximately(99.5, 100, significant_figures=2).holds
    assert approximately(99.49, 100, significant_figures=2).supported == "$99"
    judgement = approximately(3750, 3700, significant_figures=2, prefix="", unit="tonnes")
    assert not judgement.holds
    assert judgement.supported == "3,800 tonnes"
    assert approximately(3650, 3700, significant_figures=2).holds


def test_approximately_rejects_a_claim_with_too_many_figures():
    with pytest.raises(ValueError, match="significant"):
        approximately(120, 120)
    with pytest.raises(ValueError, match="positive"):
        approximately(1, 0)


# --- nearly_percent --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("observed", "holds", "margin"),
    [(90, True, 0), (85, True, 0), (88, True, 2), (89.9, True, 0.1), (90.01, False, -0.01), (84.99, False, -0.01)],
)
def test_nearly_percent_band_below_the_figure(observed, holds, margin):
    judgement = nearly_percent(observed, 90)
    assert judgement.holds is holds
    assert judgement.margin == pytest.approx(margin)
    assert judgement.rule == "nearly 90%: 85% to 90%"


def test_nearly_percent_supported_wording():
    assert nearly_percent(92.5, 90).supported == "about 93%"  # half-up
    assert nearly_percent(84.4, 90).supported == "about 84%"
    assert nearly_percent(88, 90).supported is None


def test_nearly_percent_other_band():
    assert nearly_percent(88, 90, band=2).holds
    assert not nearly_percent(87.9, 90, band=2).holds


# --- is_extreme ------------------------------------------------------------------------------------------------

DEFICITS = {"2019": 345.2, "2020": 310.3, "2021": 353.5, "2022": 382.1, "2023": 279.1, "2024": 295.4}


def test_is_extreme_lowest_holds_with_runner_up_margin():
    judgement = is_extreme(DEFICITS, "2023")
    assert judgement.holds
    assert judgement.observed == 279.1
    assert judgement.claimed == 295.4
    assert judgement.margin == pytest.approx(16.3)
    assert judgement.supported is None
    assert judgement.rule == "strictly the lowest of 6 values"


def test_is_extreme_lowest_fails_with_rank():
    judgement = is_extreme(DEFICITS, "2020")
    assert not judgement.holds
    assert judgement.claimed == 279.1
    assert judgement.margin == pytest.approx(-31.2)
    assert judgement.supported == "3rd lowest"


def test_is_extreme_highest():
    assert is_extreme(DEFICITS, "2022", lowest=False).margin == pytest.approx(28.6)
    judgement = is_extreme(DEFICITS, "2019", lowest=False)
    assert not judgement.holds
    assert judgement.supported == "3rd highest"
    assert is_extreme(DEFICITS, "2021", lowest=False).supported == "2nd highest"


def test_is_extreme_ties_fail():
    values = {"a": 1.0, "b": 1.0, "c": 3.0, "d": 3.0, "e": 5.0}
    judgement = is_extreme(values, "a")
    assert not judgement.holds
    assert judgement.margin == 0
    assert judgement.supported == "joint lowest"
    assert is_extreme(values, "c").supported == "joint 3rd lowest"
    assert is_extreme(values, "c", lowest=False).supported == "joint 2nd highest"


def test_is_extreme_ordinals():
    values = {f"k{i}": float(i) for i in range(1, 25)}
    assert is_extreme(values, "k11").supported == "11th lowest"
    assert is_extreme(values, "k21").supported == "21st lowest"
    assert is_extreme(values, "k22").supported == "22nd lowest"
    assert is_extreme(values, "k13").supported == "13th lowest"


def test_is_extreme_rejects_missing_key_and_single_value():
    with pytest.raises(ValueError, match="'2018' is not among the 6 values"):
        is_extreme(DEFICITS, "2018")
    with pytest.raises(ValueError, match="at least two"):
        is_extreme({"2024": 1.0}, "2024")


def test_is_extreme_rejects_a_missing_value_among_the_others():
    with pytest.raises(ValueError, match=r"values\['2019'\] is missing"):
        is_extreme({**DEFICITS, "2019": None}, "2023")


# --- ranked_sum_exceeds ----------------------------------------------------------------------------------------

PARTNERS = {
    "Mexico": 475.6,
    "Canada": 418.6,
    "China": 426.9,
    "Germany": 160.4,
    "Japan": 148.2,
    "South Korea": 131.5,
    "Vietnam": 136.6,
    "Taiwan": 116.3,
    "Ireland": 103.8,
    "India": 87.4,
    "Italy": 76.3,
    "Switzerland": 63.4,
    "United Kingdom": 68.1,
    "Thailand": 63.3,
}


def test_ranked_sum_exceeds_holds():
    judgement = ranked_sum_exceeds(PARTNERS, ["Mexico", "Canada"], next_n=3)
    assert judgement.holds
    assert judgement.observed == pytest.approx(894.2)
    assert judgement.claimed == pytest.approx(426.9 + 160.4 + 148.2)
    assert judgement.margin == pytest.approx(894.2 - 735.5)
    assert judgement.rule == "Mexico and Canada together more than the next 3 combined"


def test_ranked_sum_exceeds_fails_with_the_largest_n_that_holds():
    judgement = ranked_sum_exceeds(PARTNERS, ["Mexico", "Canada"], next_n=10)
    assert not judgement.holds
    assert judgement.margin < 0
    # next by size: China 426.9, Germany 160.4, Japan 148.2, Vietnam 136.6, South Korea 131.5 -> 1003.6 > 894.2
    assert judgement.supported == "more than the next 4 combined"


def test_ranked_sum_exceeds_exactly_equal_fails():
    values = {"A": 5, "B": 5, "C": 4, "D": 3, "E": 3}
    judgement = ranked_sum_exceeds(values, ["A", "B"], next_n=3)
    assert not judgement.holds
    assert judgement.margin == 0
    assert judgement.supported == "more than the next 2 combined"


def test_ranked_sum_exceeds_fallbacks_for_one_and_none():
    values = {"A": 5, "B": 4, "C": 3, "D": 1}
    assert ranked_sum_exceeds(values, ["A"], next_n=2).supported == "more than the next partner alone"
    assert ranked_sum_exceeds(values, ["D"], next_n=2).supported == "less than the next partner alone"
    assert ranked_sum_exceeds({"A": 5, "B": 5, "C": 1}, ["A"], next_n=2, noun="market").supported == (
        "equal to the next market alone"
    )


def test_ranked_sum_exceeds_ties_at_the_cut_do_not_matter():
    values = {"A": 10, "B": 4, "C": 3, "D": 3, "E": 3}
    judgement = ranked_sum_exceeds(values, ["A"], next_n=3)
    assert judgement.claimed == 10
    assert not judgement.holds


def test_ranked_sum_exceeds_rejects_bad_keys_and_too_few_others():
    with pytest.raises(ValueError, match="Atlantis"):
        ranked_sum_exceeds(PARTNERS, ["Mexico", "Atlantis"], next_n=3)
    with pytest.raises(ValueError, match="only 12 keys"):
        ranked_sum_exceeds(PARTNERS, ["Mexico", "Canada"], next_n=13)
    with pytest.raises(ValueError, match="empty"):
        ranked_sum_exceeds(PARTNERS, [], next_n=3)
    with pytest.raises(ValueError, match="repeats"):
        ranked_sum_exceeds(PARTNERS, ["Mexico", "Mexico"], next_n=3)
    with pytest.raises(ValueError, match="next_n"):
        ranked_sum_exceeds(PARTNERS, ["Mexico"], next_n=0)


# --- doses_from_mass -------------------------------------------------------------------------------------------


def test_doses_from_mass_holds():
    judgement = doses_from_mass(258, 2, 120e6)
    assert judgement.holds
    assert judgement.observed == 129e6
    assert judgement.margin == pytest.approx(9e6)
    assert judgement.supported is None


def test_doses_from_mass_exactly_at_claim_fails_over_holds_at_least():
    over = doses_from_mass(240, 2, 120e6)
    assert not over.holds
    assert over.margin == 0
    assert over.supported == "about 120 million doses"
    assert doses_from_mass(240, 2, 120e6, over=False).holds


def test_doses_from_mass_supported_wording_half_up():
    judgement = doses_from_mass(258, 2.0, 130e6)
    assert not judgement.holds
    assert judgement.margin == pytest.approx(-1e6)
    assert judgement.supported == "about 129 million doses"
    assert doses_from_mass(0.259, 2, 130e6).supported == "about 129,500 doses"
    assert doses_from_mass(3.001, 2, 2e6).supported == "about 2 million doses"  # 1.5005 million rounds up
    assert doses_from_mass(3, 2, 2e6).supported == "about 2 million doses"  # 1.5 million rounds half-up


def test_doses_from_mass_rejects_non_positive_dose():
    with pytest.raises(ValueError, match="dose_mg"):
        doses_from_mass(258, 0, 120e6)
