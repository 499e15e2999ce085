"""What makes a sentence a candidate claim: figures, comparisons, superlatives, records and changes (pure).

Each cue is a span of the sentence with its kind, so `claimwatch scan` can say why it picked a sentence. Dates
("June 3, 2025"), bare years ("In 2024,"), ordinals ("the 20th century"), numbers inside names ("Title 42",
"COVID-19") and discourse words ("first, …", "competing as one") are not figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
                "sixty|seventy|eighty|ninety|hundred")
SCALE = r"(?:hundred|thousand|million|billion|trillion)"
MONTHS = (r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|Aug(?:ust|\.)?|"
          r"Sep(?:tember|t?\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)")
APPROX = r"(?<!\w)(?:nearly|almost|about|around|roughly|approximately|over|under|just|some|at least|up to|close to)\s+"
UNITS = (r"(?:percent|per cent|percentage points?|times|kilograms?|kg|grams?|tons?|tonnes?|pounds?|lbs?|miles?|"
         r"kilometers?|km|barrels?|years?|decades?|months?|weeks?|days?|hours?|doses?|people|jobs|workers)")
NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"  # 4,000 and 2.3, not the comma after "2024,"
ORDINAL = r"(?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))"
SUPERLATIVES = ("largest|biggest|highest|lowest|greatest|smallest|strongest|weakest|fastest|slowest|fewest|(?<!at )least|"
                "best|worst|cheapest|richest|poorest|longest|shortest|deepest|steepest")
COMPARATIVES = "more|less|fewer|higher|lower|greater|larger|bigger|smaller|cheaper|richer|poorer|faster|slower"
# the word after "more … than" that makes it a judgement, not an amount ("more critical than ever")
ADJECTIVE_END = re.compile(r"(?:al|ic|ive|ous|ful|ant|ent|ble|ary|ing|ed|ure|ile|ist)$")
AMOUNT_ADJECTIVES = {"expensive", "costly", "profitable", "valuable", "numerous", "productive", "populous", "common",
                     "frequent", "likely", "affordable"}  # "more expensive than oil" compares amounts

FIGURE = re.compile(
    rf"(?P<approx>{APPROX})?(?P<core>[$€£]\s?{NUM}(?:\s*(?:{SCALE}|bn|tn)\b)?"  # $335 billion, $4,000, $4.5
    rf"|{NUM}\s*(?:%|{SCALE}\b(?:\s+{UNITS}\b)?|{UNITS}\b)"                   # 90%, 120 million, 258 kilograms, 2.3 times
    rf"|\b(?:a|{NUMBER_WORDS})[- ]{SCALE}s?\b"                                  # a million, two billion
    rf"|\b(?:{NUMBER_WORDS})\s+(?:times|percent|years|decades)\b"              # three times, ten percent, five years
    rf"|\b(?:{NUMBER_WORDS}|{NUM})\s+(?:in|out of)\s+(?:{NUMBER_WORDS}|\d{{1,3}})\b(?![,.]?\d)"  # one in five
    rf"|\b(?:{NUMBER_WORDS})[- ](?:halves|thirds|quarters|fifths|tenths)\b"     # two-thirds
    rf"|\b(?:a|one)[- ](?:third|quarter|fifth|tenth) of\b"                      # a third of
    rf"|\b(?:millions|billions|trillions|thousands|hundreds|dozens)\b"          # billions of dollars
    rf"|(?<!\w)(?<![A-Za-z]-){NUM}(?![\w-]))",                                 # the next 10 trading partners
    re.IGNORECASE)
DATE_DAY = re.compile(rf"\b{MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?!\s*{UNITS})|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTHS}\b")
NAMED_NUMBER = re.compile(r"\b(?:Section|Title|Article|Chapter|Route|Highway|Interstate|Form|Rule|Amendment|No\.|"
                          r"Number|Resolution|page|pp?\.|Fig\.|H\.R\.)\s*$", re.IGNORECASE)
YEAR = re.compile(r"(?:1[89]|20)\d\d")
CLOCK = re.compile(r"\s*(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)", re.IGNORECASE)

PATTERNS = [
    ("superlative", rf"\b(?:{ORDINAL}[- ])?(?:{SUPERLATIVES})\b"),
    ("superlative", r"\b(?:the|its|their|our|his|her|\w+['’]s)\s+most\s+(?!of\b)\w+"),
    ("superlative", r"\b(?:No\.\s*1|number one)\b|\b(?:rank(?:s|ed)?|placed?)\s+(?:first|second|third|No\.\s*\d+)\b"),
    ("record", r"\b(?:for the first time|the first time|first[- ]ever|all[- ]time|unprecedented|never before)\b"),
    ("record", r"\b(?:in|on) (?:history|record)\b|\brecords?\b(?!ed)|\b(?:higher|lower|larger|bigger|greater|smaller|"
               r"fewer) than ever\b|\bin (?:\d+|a|" + NUMBER_WORDS + r") (?:years|decades)\b|\b\d+-year (?:high|low)\b"),
    ("comparison", rf"\b(?:{COMPARATIVES})\s+than\b(?!\s+ever\b)"),
    ("comparison", r"\b(?:twice|double|triple|quadruple|half)\b(?<!first half)(?<!second half)"),
    ("change", r"(?<![\w-])(?:increased|decreased|rose|risen|fell|fallen|grew|grown|declined|dropped|doubled|tripled|"
               r"quadrupled|halved|surged|soared|plunged|jumped|climbed|shrank|shrunk|tumbled|slumped)\b"),
]
COMPILED = [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in PATTERNS]
MORE_THAN = re.compile(r"\b(more|less|fewer)\s+(?!than\b)((?:[^\s,;:]+\s+){1,9}?)than\b(?!\s+ever\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Cue:
    """One reason a sentence looks checkable: the words as written and their kind."""

    text: str
    kind: str  # figure, comparison, superlative, record or change
    start: int


def _not_a_figure(sentence: str, match: re.Match) -> bool:
    """A bare year, a day of a date, or a number that names something (Title 42, No. 5)."""
    core, at = match.group("core"), match.start("core")
    if YEAR.fullmatch(core):
        return True
    if re.fullmatch(NUM, core) and (NAMED_NUMBER.search(sentence[:at]) or CLOCK.match(sentence, match.end())):
        return True
    return any(m.start() <= at < m.end() for m in DATE_DAY.finditer(sentence))


def figures(sentence: str) -> list[Cue]:
    """The figures a sentence states: amounts, percents, multiples, counts with units, numbers in words."""
    return [Cue(m.group(), "figure", m.start()) for m in FIGURE.finditer(sentence) if not _not_a_figure(sentence, m)]


def _gap_comparisons(sentence: str) -> list[Cue]:
    """"More money … than any other market": a comparison of amounts, not "more critical than" (a judgement)."""
    found = []
    for m in MORE_THAN.finditer(sentence):
        first = m.group(2).split()[0].lower()
        if not ADJECTIVE_END.search(first) or first in AMOUNT_ADJECTIVES:
            between = m.group(2).split()
            text = m.group() if len(between) == 1 else f"{m.group(1)} {between[0]} … than"
            found.append(Cue(text, "comparison", m.start()))
    return found


def cues(sentence: str) -> list[Cue]:
    """Every cue in a sentence, in order; where two overlap the longer one is kept."""
    found = figures(sentence) + _gap_comparisons(sentence)
    found += [Cue(m.group(), kind, m.start()) for kind, rx in COMPILED for m in rx.finditer(sentence)]
    kept: list[Cue] = []
    for cue in sorted(found, key=lambda c: (-len(c.text), c.start)):
        end = cue.start + len(cue.text)
        if "…" in cue.text or not any(k.start < end and cue.start < k.start + len(k.text) and "…" not in k.text
                                      for k in kept):
            kept.append(cue)
    return sorted(kept, key=lambda c: c.start)
