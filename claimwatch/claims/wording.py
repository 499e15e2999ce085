"""Wording rules: judge whether a figure computed from the data supports the way an article words it.

Every rule is a pure function that returns a `Judgement`. Conventions shared by all of them:

* Rounding is always round-half-up (`decimal.ROUND_HALF_UP`: 2.25 -> 2.3, 95 -> 100 at one significant
  figure), never Python's `round()`, which sends halves to the even neighbour (round(2.5) == 2).
* A float is read as the decimal it prints as, so 2.15 is 2.15 and not 2.1499999...; bounds, comparisons
  and margins are computed exactly in `Decimal` and only returned as floats.
* A missing (None), NaN or infinite input raises ValueError: missing data is the caller's to report as an
  `unknown` verdict, never a rule's to judge.
* `margin` is the signed room to spare in the claim's unit: positive inside the rule, negative outside,
  zero on an edge; each rule says what it is measured against and whether its edges hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Judgement:
    """The verdict of one wording rule on one figure."""

    holds: bool
    observed: float  # the figure from the data, in the claim's unit
    claimed: float  # the figure the article states, or the bound it implies
    margin: float  # signed room to spare in the claim's unit: > 0 inside the rule, < 0 outside
    rule: str  # the rule in words, e.g. "$335 billion within ±1% (331.65 to 338.35)"
    supported: str | None  # wording the data supports when the claim fails; None when it holds


def _number(value: object, name: str) -> Decimal:
    """Read a number as the decimal it prints as; refuse missing, NaN and infinite values."""
    if value is None:
        raise ValueError(f"{name} is missing (None); report missing data as unknown instead of judging it")
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if isinstance(value, float) and math.isnan(value):
        raise ValueError(f"{name} is NaN; report missing data as unknown instead of judging it")
    number = Decimal(value) if isinstance(value, int) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{name} is {value!r}; a wording rule needs a finite number")
    return number


def _values(values: dict, name: str = "values") -> dict:
    """Read every value of a mapping with `_number`, naming the offending key."""
    return {key: _number(value, f"{name}[{key!r}]") for key, value in values.items()}


def _half_up(number: Decimal, decimals: int) -> Decimal:
    """Round half-up to `decimals` places (negative `decimals` rounds to tens, hundreds, ...)."""
    return number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _significant(number: Decimal, figures: int) -> Decimal:
    """Round half-up to `figures` significant figures (95 -> 100 at one figure)."""
    if figures < 1:
        raise ValueError(f"significant figures must be at least 1, got {figures}")
    return number if number == 0 else _half_up(number, figures - 1 - number.adjusted())


def _format(number: Decimal, prefix: str = "", unit: str = "") -> str:
    """Print an already rounded number with thousands separators, its sign before the prefix."""
    digits = format(abs(number), ",f")
    sign = "-" if number < 0 and digits.strip("0.,") else ""
    suffix = "" if not unit else unit if unit.startswith("%") else f" {unit}"
    return f"{sign}{prefix}{digits}{suffix}"


def _exact(number: Decimal, prefix: str = "", unit: str = "") -> str:
    """Print a number with exactly the digits it needs (4000.0 -> "4,000", 2.50 -> "2.5")."""
    return _format(number.normalize(), prefix, unit)


def _ordinal(n: int) -> str:
    """Spell a rank as an ordinal: 1st, 2nd, 3rd, 4th, 11th, 22nd."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _judgement(
    holds: bool, observed: Decimal, claimed: Decimal, margin: Decimal, rule: str, supported: str
) -> Judgement:
    """Build a Judgement, dropping `supported` when the claim holds."""
    return Judgement(holds, float(observed), float(claimed), float(margin), rule, None if holds else supported)


def format_amount(value: float, *, prefix: str = "$", unit: str = "", decimals: int = 0) -> str:
    """Format an amount as an article prints it, rounded half-up: "$334 billion", "$4,123", "$1,234.5 million".

    `unit` follows after a space, except a unit starting with "%" which attaches ("93%"); a negative amount
    puts its sign before the prefix ("-$5"), and one that rounds to zero loses it ("$0").
    """
    return _format(_half_up(_number(value, "value"), decimals), prefix, unit)


def stated_amount(
    observed: float, claimed: float, *, tolerance: float, unit: str = "billion", prefix: str = "$", decimals: int = 0
) -> Judgement:
    """Judge "$335 billion": holds when |observed - claimed| <= tolerance x |claimed|; exactly at the bound holds.

    `tolerance` is relative (0.01 is ±1%). margin is the allowed deviation minus the actual one. When the
    claim fails, supported is the observed amount rounded half-up to `decimals` ("$301 billion").
    """
    obs, claim, tol = _number(observed, "observed"), _number(claimed, "claimed"), _number(tolerance, "tolerance")
    if tol < 0:
        raise ValueError(f"tolerance must not be negative, got {tolerance}")
    allowed = tol * abs(claim)
    margin = allowed - abs(obs - claim)
    rule = (
        f"{_exact(claim, prefix, unit)} within ±{_exact(tol * 100)}% "
        f"({_exact(claim - allowed)} to {_exact(claim + allowed)})"
    )
    supported = format_amount(observed, prefix=prefix, unit=unit, decimals=decimals)
    return _judgement(margin >= 0, obs, claim, margin, rule, supported)


def times_ratio(observed: float, claimed: float, *, decimals: int = 1) -> Judgement:
    """Judge "2.3 times more than": holds when observed rounded half-up to `decimals` equals claimed.

    Under half-up rounding the ratios that round to 2.3 form the half-open interval [2.25, 2.35): 2.25 holds,
    2.35 rounds to 2.4 and fails, 2.2499 rounds to 2.2 and fails. margin is the distance to the nearer edge
    of that interval: positive inside, zero on either edge (the lower holds, the upper fails), negative
    outside. supported is the rounded ratio ("2.4 times"). claimed must be positive and written with at
    most `decimals` decimals.
    """
    obs, claim = _number(observed, "observed"), _number(claimed, "claimed")
    if claim <= 0 or _half_up(claim, decimals) != claim:
        raise ValueError(f"claimed ratio must be positive with at most {decimals} decimals, got {claimed}")
    half = Decimal(5).scaleb(-decimals - 1)
    lower, upper = claim - half, claim + half
    rounded = _half_up(obs, decimals)
    rule = f"{_exact(claim)} times: observed rounds half-up to it ({_exact(lower)} to under {_exact(upper)})"
    return _judgement(rounded == claim, obs, claim, min(obs - lower, upper - obs), rule, f"{_format(rounded)} times")


def more_than_multiple(a: float, b: float, *, multiple: float = 2.0, words: str = "more than double") -> Judgement:
    """Judge "more than double": holds when a > multiple x b strictly, so exactly double fails.

    observed is the ratio a / b, claimed the multiple, margin the ratio minus the multiple. When the claim
    fails, supported is the ratio rounded half-up to one decimal ("1.8 times"). b must be positive.
    """
    first, second, times = _number(a, "a"), _number(b, "b"), _number(multiple, "multiple")
    if second <= 0:
        raise ValueError(f"b must be positive to compare a with a multiple of it, got {b}")
    ratio = first / second
    rule = f"{words}: a / b above {_exact(times)}"
    supported = f"{_format(_half_up(ratio, 1))} times"
    return _judgement(first > times * second, ratio, times, ratio - times, rule, supported)


def over_bound(observed: float, bound: float, *, prefix: str = "$", unit: str = "") -> Judgement:
    """Judge "over $4,000": holds when observed > bound strictly; exactly at the bound fails.

    margin is observed - bound. When the claim fails, supported is the observed rounded half-up to two
    significant figures, or more when two would round it up to the bound, so the wording never contradicts
    the verdict ("about $3,700, not over $4,000"; $3,969 gives "about $3,970, not over $4,000").
    """
    obs, limit = _number(observed, "observed"), _number(bound, "bound")
    figures = 2  # enough significant figures that the rounded amount stays on the observed side of the bound
    while figures < 12 and obs <= limit < _significant(obs, figures) or (obs != limit and _significant(obs, figures) == limit):
        figures += 1
    rounded = _format(_significant(obs, figures), prefix, unit)
    supported = f"about {rounded}, not over {_exact(limit, prefix, unit)}" if obs <= limit else f"about {rounded}"
    return _judgement(obs > limit, obs, limit, obs - limit, f"over {_exact(limit, prefix, unit)}", supported)


def approximately(
    observed: float, claimed: float, *, significant_figures: int = 1, prefix: str = "$", unit: str = ""
) -> Judgement:
    """Judge "just $100": holds when observed rounded half-up to `significant_figures` equals claimed.

    The values that round to claimed form a half-open interval [lower, upper): upper is claimed plus half a
    step of its last significant digit; lower is claimed minus half a step, where the step just below a power
    of ten is ten times finer. At one significant figure 100 covers [95, 150): 95 (9.5e1) rounds up to 100,
    149.9 down to 100, 150 up to 200, 94.9 down to 90; 300 covers [250, 350). margin is the distance to the
    nearer edge: zero on either edge (the lower holds, the upper fails). supported is the observed rounded
    the same way ("$200"). claimed must be positive with at most `significant_figures` significant figures.
    """
    obs, claim = _number(observed, "observed"), _number(claimed, "claimed")
    if claim <= 0 or _significant(claim, significant_figures) != claim:
        raise ValueError(
            f"claimed must be positive with at most {significant_figures} significant figures, got {claimed}"
        )
    step = Decimal(1).scaleb(claim.adjusted() - significant_figures + 1)
    step_below = step / 10 if claim == Decimal(1).scaleb(claim.adjusted()) else step
    lower, upper = claim - step_below / 2, claim + step / 2
    rounded = _significant(obs, significant_figures)
    rule = (
        f"{_exact(claim, prefix, unit)} to {significant_figures} significant figure"
        f"{'' if significant_figures == 1 else 's'} ({_exact(lower)} to under {_exact(upper)})"
    )
    supported = _format(rounded, prefix, unit)
    return _judgement(rounded == claim, obs, claim, min(obs - lower, upper - obs), rule, supported)


def nearly_percent(observed: float, claimed: float, *, band: float = 5.0) -> Judgement:
    """Judge "nearly 90% lower": holds when claimed - band <= observed <= claimed.

    "Nearly" means close to the figure but not above it: both ends of the band hold, anything above the
    figure fails. margin is the distance to the nearer end of the band. When the claim fails, supported is
    the observed rounded half-up to a whole percent ("about 93%"); the caller adds the rest ("lower").
    """
    obs, claim, width = _number(observed, "observed"), _number(claimed, "claimed"), _number(band, "band")
    if width < 0:
        raise ValueError(f"band must not be negative, got {band}")
    margin = min(obs - (claim - width), claim - obs)
    rule = f"nearly {_exact(claim)}%: {_exact(claim - width)}% to {_exact(claim)}%"
    return _judgement(margin >= 0, obs, claim, margin, rule, f"about {_format(_half_up(obs, 0), unit='%')}")


def is_extreme(values: dict, key: object, *, lowest: bool = True) -> Judgement:
    """Judge "the lowest on record" / "more than any other market": holds when values[key] is strictly extreme.

    Ties fail. claimed is the most extreme of the other values (the runner-up when the claim holds) and
    margin how far key beats it: runner-up - observed for lowest, observed - runner-up for highest. When the
    claim fails, supported gives key's rank, counting the values strictly beyond it: "2nd lowest",
    "3rd highest", "joint lowest" when tied for the extreme, "joint 2nd highest".
    """
    if key not in values:
        raise ValueError(f"{key!r} is not among the {len(values)} values")
    if len(values) < 2:
        raise ValueError(f"need at least two values to find an extreme, got {len(values)}")
    numbers = _values(values)
    obs = numbers.pop(key)
    others = list(numbers.values())
    word = "lowest" if lowest else "highest"
    best = min(others) if lowest else max(others)
    margin = best - obs if lowest else obs - best
    beyond = sum(1 for other in others if (other < obs if lowest else other > obs))
    tied = "joint " if obs in others else ""
    supported = f"{tied}{_ordinal(beyond + 1) + ' ' if beyond else ''}{word}"
    return _judgement(margin > 0, obs, best, margin, f"strictly the {word} of {len(values)} values", supported)


def ranked_sum_exceeds(values: dict, top_keys: list, *, next_n: int = 10, noun: str = "partner",
                       ranks: dict | None = None) -> Judgement:
    """Judge "A and B together more than the next 10 combined": holds when their sum beats the next `next_n`'s.

    "The next n" are the n largest values among the keys not in `top_keys` (ties at the cut leave the sum
    unchanged), or, with `ranks`, the n keys ranked highest by those (e.g. partners ranked by total trade,
    summed by exports); the comparison is strict. margin is the top sum minus the next-n sum. When the claim fails,
    supported names the largest n below `next_n` for which it still holds ("more than the next 6 combined",
    "more than the next partner alone"), else "less than" (or "equal to") "the next partner alone".
    """
    top = list(top_keys)
    if not top:
        raise ValueError("top_keys is empty; name at least one key")
    if len(set(top)) != len(top):
        raise ValueError(f"top_keys repeats a key: {top}")
    missing = [key for key in top if key not in values]
    if missing:
        raise ValueError(f"top keys not among the values: {missing}")
    if next_n < 1:
        raise ValueError(f"next_n must be at least 1, got {next_n}")
    numbers = _values(values)
    order = _values(ranks, "ranks") if ranks is not None else numbers
    if ranks is not None and set(ranks) != set(values):
        raise ValueError("ranks must rank exactly the keys of values")
    ranked = sorted((key for key in numbers if key not in top), key=lambda k: order[k], reverse=True)
    rest = [numbers[key] for key in ranked]
    if len(rest) < next_n:
        raise ValueError(f"only {len(rest)} keys besides the top ones exist; cannot take the next {next_n}")
    total = sum((numbers[key] for key in top), Decimal(0))
    next_sums = [sum(rest[:n], Decimal(0)) for n in range(1, next_n + 1)]
    holding = [n for n in range(1, next_n + 1) if total > next_sums[n - 1]]
    if holding and holding[-1] > 1:
        supported = f"more than the next {holding[-1]} combined"
    elif holding:
        supported = f"more than the next {noun} alone"
    else:
        supported = f"{'less than' if total < next_sums[0] else 'equal to'} the next {noun} alone"
    rule = f"{' and '.join(map(str, top))} together more than the next {next_n} combined"
    claimed = next_sums[-1]
    return _judgement(total > claimed, total, claimed, total - claimed, rule, supported)


def doses_from_mass(mass_kg: float, dose_mg: float, claimed_doses: float, *, over: bool = True) -> Judgement:
    """Judge "258 kilograms ... enough for over 120 million lethal doses": doses = mass_kg x 1,000,000 / dose_mg.

    With over=True ("over 120 million") it holds when doses > claimed_doses strictly; with over=False
    ("enough for 120 million") when doses >= claimed_doses. margin is doses - claimed_doses. When the claim
    fails, supported is "about N million doses" with N rounded half-up (whole doses below a million).
    """
    mass, dose = _number(mass_kg, "mass_kg"), _number(dose_mg, "dose_mg")
    claim = _number(claimed_doses, "claimed_doses")
    if dose <= 0 or mass < 0:
        raise ValueError(f"need dose_mg > 0 and mass_kg >= 0, got dose_mg={dose_mg}, mass_kg={mass_kg}")
    doses = mass * 1_000_000 / dose
    holds = doses > claim if over else doses >= claim
    if doses >= 1_000_000:
        supported = f"about {_format(_half_up(doses / 1_000_000, 0))} million doses"
    else:
        supported = f"about {_format(_half_up(doses, 0))} doses"
    rule = f"{_exact(mass)} kg at {_exact(dose)} mg a dose: {'over' if over else 'at least'} {_exact(claim)} doses"
    return _judgement(holds, doses, claim, doses - claim, rule, supported)
