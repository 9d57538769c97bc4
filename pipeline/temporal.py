"""Temporal windows ("within 7 days before screening", "at least 4 weeks since last dose").

Pure functions over text. A number followed by a time unit is a temporal window only when a
temporal cue frames it (within / in the past / since / ago / prior to ...); otherwise it is a
duration constraint (life expectancy ≥ 12 weeks, age in months) and belongs to `thresholds`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from .errors import RuleFileError
from .fastre import CaseFolded, Gated, WordSets, folded, needed_words, requires_group
from .rules import check_keys, read_jsonl
from .paths import model_file

from .thresholds import parse_number

_UNITS = {
    "minute": r"min(?:ute)?s?", "hour": r"h(?:ou)?rs?|h", "day": r"days?|d", "week": r"w(?:ee)?ks?|w",
    "month": r"months?|mos?|mths?", "year": r"y(?:ea)?rs?|y",
}
_UNIT_RX = "(?P<unit>" + "|".join(f"(?P<{k}>{v})" for k, v in _UNITS.items()) + r")\b"
_NUM = r"(?P<amount>\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|twenty|thirty|sixty|ninety)"
_RANGE = r"(?:\s*(?:-|–|to|or)\s*(?P<upper>\d+(?:\.\d+)?))?"
_AMOUNT = _NUM + _RANGE + r"\s*-?\s*(?:(?:consecutive|continuous|successive)\s+)?" + _UNIT_RX  # "3 consecutive days"
_AMOUNT_OPT = "(?:" + _NUM + _RANGE + r"\s*-?\s*)?" + _UNIT_RX  # "in the past year"

_ANCHOR = (
    r"(?P<anchor>(?:the\s+)?(?:(?:first|initial|last|final|most\s+recent|start\s+of|planned)\s+)?"
    r"(?:dose|dosing|administration|infusion|treatment|therapy|screening|enrol+ment|enrol+ing|registration|"
    r"randomi[sz]ation|study\s+(?:entry|start|enrol+ment|drug|treatment|day\s*1|inclusion)|inclusion|"
    r"baseline|visit\s*1|day\s*1|cycle\s*1(?:\s*,?\s*day\s*1)?|consent|signing\s+(?:the\s+)?(?:informed\s+)?consent|"
    r"informed\s+consent|surgery|diagnosis|transplant(?:ation)?|admission|entry|initiation|study|trial|"
    r"investigational\s+(?:product|drug|medicinal\s+product)|IMP|study\s+medication|the\s+study|"
    r"prior\s+(?:therapy|treatment)|(?:chemo|radio|immuno)therapy|radiation|birth|vaccination|"
    r"(?:any\s+)?(?:study|trial|protocol)(?:[- ](?:specific|related))?\s+(?:procedures?|activit(?:y|ies)|assessments?))"
    r"(?:\s+of\s+(?:study\s+)?(?:drug|treatment|therapy|medication|the\s+study\s+(?:drug|treatment)|IMP))?)"
)
_AT = (
    r"(?P<anchor>(?:the\s+)?(?:time\s+of\s+(?:the\s+)?)?(?:(?:first|initial|last|final)\s+)?"
    r"(?:screening|baseline|enrol+ment|registration|randomi[sz]ation|inclusion|study\s+entry|entry|consent|"
    r"signing\s+(?:of\s+)?(?:the\s+)?(?:informed\s+)?consent|informed\s+consent|admission|diagnosis|surgery|"
    r"(?:first\s+)?(?:dose|dosing|vaccination|infusion)|day\s*1|visit\s*1|"
    r"(?:the\s+)?(?:screening|baseline|randomi[sz]ation|enrol+ment)\s+visit)(?:\s+visit)?)"
)
_OF_COMPLETING = r"(?=\s+of\s+(?:the\s+)?(?:completing|completion|finishing|ending|end\s+of|stopping|discontinu))"
_RELATIONS = [
    # (relation, regex); overlapping candidates: the earliest, then the longest, wins
    # a symbol has no word boundary before it: "Surgery ≥ 4 weeks prior to enrollment" (§7: "more than 6 months prior")
    ("more_than", r"(?:\b(?:at\s+least|more\s+than|greater\s+than|over|a\s+minimum\s+of|minimum\s+of)|\\?(?:≥|>=|=>|>))\s*" + _AMOUNT
     # (a parenthesis may come between: "at least 8 weeks (or 5 half-lives, whichever is longer) before baseline")
     + r"(?=(?:\s*\([^()]{0,80}\))?\s+(?:since|from|after|before|prior\s+to|following|have\s+elapsed|must\s+have\s+elapsed|"
       r"elapsed|between|and\s+no\s+more))"),
    ("more_than", r"\b" + _AMOUNT + r"\s+or\s+more\s+(?:before|prior\s+to|preceding)\b"),
    ("after", r"\b(?:for|until|up\s+to|through)\s+(?:at\s+least\s+)?" + _AMOUNT + r"(?=\s+(?:after|following|post)\b)"),
    # "during the study and for 90 days after the last dose": the window runs on after the anchor (§11.31)
    ("after", r"\b(?:during|throughout)\s+(?:the\s+)?(?:study|trial|treatment|participation|dosing|study\s+treatment)"
     r"(?:\s+period)?\s*,?\s+and\s+(?:for\s+)?(?:at\s+least\s+|up\s+to\s+)?" + _AMOUNT
     + r"(?=\s+(?:after|following|post)\b)"),
    ("more_than", r"\bfor\s+" + _AMOUNT + r"\s+or\s+(?:more|longer)\b"),
    ("more_than", r"\bfor\s+(?:at\s+least\s+)?the\s+(?:past|last|previous)\s+" + _AMOUNT_OPT),
    ("during", r"\bduring\s+the\s+" + _AMOUNT + r"(?=\s+of\s+(?:the\s+)?(?:treatment|study|therapy|trial|follow-up))"),
    # "within one injection cycle prior to randomization": one dosing interval, no time unit
    ("within", r"\bwithin\s+(?P<amount>one|1)\s+(?:[\w-]+\s+){0,2}?(?:cycles?|intervals?)\b"),
    # not a rate: "oxygen for more than 15 hours per day"
    ("more_than", r"\bfor\s+(?:a\s+(?:total|period)\s+of\s+)?(?:at\s+least|more\s+than|a\s+minimum\s+of|\\?≥|\\?>=|\\?>)\s*" + _AMOUNT
     + r"(?!\s*(?:per|a|an|/|each|every)\s*(?:day|d|24\s*h|week|wk|night)\b)"),
    # "within 5 half-lives or 4 months, whichever is longer": the time amount (§11.35)
    ("within", r"\bwithin\s+(?:\d+|five|three|two)\s+half[- ]?li(?:ves|fe)\s*(?:\([^()]*\)\s*)?or\s+" + _AMOUNT),
    ("within", r"\b(?:within|during|in|over)\s+(?:the\s+)?(?:past|last|previous|preceding|prior|next|coming|following)\s+" + _AMOUNT_OPT),
    # "on or within 60 days of completing the last line of therapy": the window lies after its anchor (§11.101)
    ("after", r"\b(?:on\s+or\s+)?within\s+(?:the\s+)?" + _AMOUNT + _OF_COMPLETING
     + r"\s+of\s+(?:the\s+)?(?P<anchor>(?:completing|completion|finishing|ending|end\s+of|stopping|discontinu)"
     r"[^,;:()\n]{0,60}?)(?=\s*(?:[,;:()\n]|$)|\s+(?:and|or|with|in|who|which|that)\s)"),
    # not "within 3 months after vaccination" (after, §11.31)
    # (not a measuring condition: "within 3 minutes of standing", 11.30)
    ("within", r"\bwithin\s+(?:the\s+)?" + _AMOUNT + r"(?![\w]*\s+(?:after|following|post)\b)(?!" + _OF_COMPLETING[3:]
     + r"(?!\s+(?:of|after)\s+(?:standing|rest|resting|sitting|lying|supine|upright|tilt))"),
    # "planned during the first 6 months of the study" (§11.82)
    ("during", r"\b(?:during|in|within|for)\s+the\s+first\s+" + _AMOUNT + r"(?=\s+(?:of|after)\b)"),
    # "for the duration of treatment and 120 days thereafter": the days after the last dose (11.186)
    ("after", r"\b(?:and|plus)\s+(?:for\s+)?(?:at\s+least\s+)?" + _AMOUNT + r"\s+(?:thereafter|afterwards|afterward)\b"),
    ("within", r"\b(?:in|during|over|for)\s+the\s+(?:past|last|previous|preceding|prior)\s+" + _AMOUNT),
    ("within", r"\b(?:past|last|previous|preceding|prior)\s+" + _AMOUNT),
    ("within", r"\b(?:in|during)\s+the\s+" + _AMOUNT_OPT + r"(?=\s+(?:before|prior\s+to|preceding))"),  # "in the week before"
    ("within", r"(?:\b(?:no\s+more\s+than|not\s+more\s+than|less\s+than|fewer\s+than|up\s+to|a\s+maximum\s+of|maximum\s+of)|"
     r"\\?(?:≤|<=|=<|<))\s*"
     + _AMOUNT + r"(?=\s+(?:since|before|prior\s+to|ago|from|preceding))"),
    ("more_than", r"\b" + _AMOUNT + r"\s+ago\b"),
    # "stable for 6 months prior to screening": a duration up to the anchor (§11.32)
    ("more_than", r"\bfor\s+(?:the\s+)?" + _AMOUNT + r"(?=\s+(?:before|prior|preceding)\b)"),
    # "used 24 hours before surgery", "4 weeks preceding enrolment", "in recent 3 months": a window up to the anchor
    ("within", r"\b(?:in|during|over)\s+(?:the\s+)?recent\s+" + _AMOUNT),
    ("within", r"\b" + _AMOUNT + r"(?=\s+(?:before|prior|preceding)\b)"),
    # (not an assessment point: "Apgar score ≤ 5 at 10 minutes after birth", 11.30)
    ("after", r"(?<!\bat\s)\b(?:up\s+to\s+|within\s+)?" + _AMOUNT + r"(?=\s+(?:after|following|post)\b)"),
    # "within 6 hours of birth": the window lies after the event (11.31)
    ("after", r"\bwithin\s+(?:the\s+first\s+)?" + _AMOUNT + r"\s+(?:of|after)\s+(?P<anchor>birth|delivery|hatching)\b"),
    # "less than 12 months postpartum": within the months after delivery
    ("within", r"(?:\b(?:less\s+than|within|up\s+to|no\s+more\s+than)|\\?[<≤])\s*" + _AMOUNT
     + r"\s+(?:postpartum|post-partum|after\s+(?:delivery|childbirth|giving\s+birth))\b"),
    # "through Day 28", "until Day 90": the days after the first dose (11.256 of set J)
    ("after", r"\b(?:through|until|up\s+to)\s+(?P<day>day)\s*(?P<amount>\d+)\b"),
    # "during the 42-day follow-up", "during the 12-week treatment phase"
    ("during", r"\b(?:during|throughout)\s+(?:the|a|an)\s+" + _AMOUNT + r"(?=\s+(?:follow-?up|treatment|study|trial|"
     r"observation|run-in|washout|extension|maintenance|induction)\b)"),
    # "must not donate sperm during that time": back to a period already named (11.111)
    ("during", r"\b(?:during|throughout)\s+(?:that|this|the\s+same)\s+(?:time|period|interval)\b"),
    # "during the study", "during the course of this trial", "during the entire study period" (11.33, 11.152)
    ("during", r"\b(?:during|throughout|for\s+the\s+duration\s+of|within)\s+(?:the\s+|this\s+)?"
     r"(?:(?:entire|whole|full)\s+|(?:course|time|period|duration)\s+of\s+(?:the\s+|this\s+)?)?(?P<anchor>study|trial|treatment|"
     r"pregnancy|lactation|breast-?feeding|hospitali[sz]ation|participation|vaccination|follow-up)"
     r"(?:\s+(?:period|participation))?\b"),
    # "during the screening period", "during the run-in phase", "until the end of the study" (the study's own time)
    ("during", r"\b(?:during|throughout)\s+(?:the\s+|this\s+)?(?P<anchor>screening|run-in|lead-in|wash-?out|induction|"
     r"maintenance|baseline|titration|placebo|double-blind|open-label|extension|observation)\s+(?:period|phase|stage)\b"),
    # "... until the end of the study", "intention to become pregnant before the end of the study" (11.104)
    ("during", r"\b(?:until|before|by)\s+(?:the\s+)?(?:end|completion)\s+of\s+(?:the\s+|this\s+)?"
     r"(?P<anchor>study|trial|treatment)\b"),
    # "while on study", "while participating in this trial", "while receiving study treatment"
    ("during", r"\bwhile\s+(?:on|in|participating\s+in|enrolled\s+in|taking\s+part\s+in|receiving)\s+(?:the\s+|this\s+)?"
     r"(?P<anchor>study|trial|protocol|treatment)\b(?:\s+(?:treatment|therapy|drug|medication))?"),
    ("during", r"\b(?:currently|current|concurrent|concurrently|concomitant|concomitantly|ongoing)\b(?=\s)"),
    # "during the 8-week baseline period": a window of the study itself, with its length
    ("during", r"\b(?:during|throughout|over)\s+(?:the|a|an)\s+" + _AMOUNT + r"(?=[\w\s-]{0,40}?\bperiod\b)"),
    # "prior to receiving the first dose", "before starting study treatment", "prior to participation in the study"
    ("before", r"\b(?:prior\s+to|before)\s+(?:(?:receiving|starting|initiating|beginning|entering|joining|undergoing|"
     r"performance\s+of|participation\s+in)\s+(?:the\s+|this\s+)?)?" + _ANCHOR),
    ("before", r"\b(?:prior\s+to|before)\s+(?P<anchor>participation|pregnancy|conception|the\s+index\s+(?:event|procedure)|"
     r"(?:the\s+)?(?:first\s+)?study\s+(?:vaccination|vaccine|intervention|product)|day\s*0)\b"),
    # any other event: "before the procedure", "prior to catheterisation" (not an age: "before the age of 18")
    ("before", r"\b(?:prior\s+to|before)\s+(?:the\s+|this\s+|any\s+)?(?!(?:age|the|a|an|and|or|being|it|this|that|"
     r"these|those|their|his|her|its)\b)(?P<anchor>[a-z][a-z-]{3,}(?:\s+(?!(?:and|or|with|in|for|of|to|at|on|is|are|was|"
     r"were|if|who|which|that)\b)[a-z][a-z-]{2,})?)"),
    ("during", r"\b(?:presently|at\s+present|at\s+this\s+time)\b"),
    # "pre-stroke", "pre-pregnancy", "pre-transplant": the time before the event (11.33)
    ("before", r"\bpre-(?P<anchor>stroke|pregnancy|transplant(?:ation)?|treatment|surgery|injury|illness|admission|"
     r"hospitali[sz]ation|enrol+ment|randomi[sz]ation|screening|dose|dosing|vaccination|diagnosis)\b"),
    ("after", r"(?<!minutes\s)(?<!minute\s)(?<!hours\s)(?<!hour\s)\b(?:after|following|since)\s+" + _ANCHOR),
]
# each pattern with the strings one of which its matches contain: in a clause without them it is
# not tried (most clauses have the words of few patterns). CaseFolded: the groups are read lower-cased
# (numbers, units, anchors), offsets as they are.
_COMPILED = [(rel, CaseFolded(rx, re.I, guard=True), needed_words(rx, re.I)) for rel, rx in _RELATIONS]
def _amount_words(rx: str) -> Optional[frozenset]:
    """The words an amount of the pattern can be written as, when every match needs the amount
    group and each of the group's alternatives is a word or starts with a digit (else None)."""
    if not requires_group(rx, re.I, "amount"):
        return None
    body = re.search(r"\(\?P<amount>((?:[^()]|\([^()]*\))*)\)", rx).group(1)
    alts = body.split("|") if "(" not in body.replace("(?:", "") else []
    words = {a for a in alts if re.fullmatch(r"[a-z]+", a)}
    if not alts or not all(a in words or re.match(r"\\d|\d", a) for a in alts):
        return None
    return frozenset(words)


# patterns that need an amount (a number or a number word): not tried in a clause with neither
_AMOUNT_WORDS = [_amount_words(rx) for _, rx in _RELATIONS]
# which patterns' needed strings (bit i) and amount words (bit n + i) a clause has, in one scan
# (an empty amount list counts as present: such a pattern needs a digit and finds nothing without one)
_N = len(_COMPILED)
_GATES = WordSets([words for _, _, words in _COMPILED] + _AMOUNT_WORDS)
_ALL = (1 << _N) - 1
_DURATION_OF = re.compile(r"(?<!the\s)\bduration\s+(?:of\s+)?(?:no\s+|not\s+)?$", re.I)
_THROUGH_DAY = re.compile(r"(?:through|until|up\s+to)\s+day", re.I)
_ANCHOR_AFTER = re.compile(
    r"(?:\s*\((?:or|and)\s[^()]{0,80}\))?(?:\s*(?:or|and)\s+\d+\s+half[- ]?lives)?(?:\s*,?\s*whichever\s+is\s+(?:longer|shorter|greater|later|earlier|longest))?"
    r"\s*(?:\(|,)?\s*(?:have\s+elapsed\s+|must\s+have\s+elapsed\s+|elapsed\s+)?(?:before|prior\s+to|preceding|of|since|from|after|following|until|to)\s+" + _ANCHOR, re.I)
# a temporal cue: a digit or a cue word (searched in that order: the digit search is a fast scan, the
# words are Gated on the lower-cased text; together the same answer as one alternation)
_DIGIT = re.compile(r"\d")
_CUE_WORD = Gated(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|twenty|thirty|sixty|ninety|"
                  r"during|throughout|while|ongoing|pre|until|presently|present|prior|before|after|following|since|past|last|previous|preceding|ago|duration|current|currently|concurrent|concurrently|concomitant|concomitantly|next|within)\b", re.I)
_HALF_LIVES = Gated(r"\b(?P<amount>\d+)\s+half[- ]?lives\b", re.I)


@dataclass
class FoundTemporal:
    relation: str
    start: int
    end: int
    amount: Optional[float] = None
    upper: Optional[float] = None
    unit: Optional[str] = None
    anchor: Optional[str] = None


def _norm_anchor(a: str) -> str:
    a = re.sub(r"\s+", " ", a.lower()).strip()
    a = re.sub(r"^the ", "", a)
    a = re.sub(r"enrol+ment|enrol+ing", "enrollment", a)
    a = a.replace("randomisation", "randomization")
    if a in ("trial", "protocol"):  # "throughout the trial", "while on protocol" (11.33)
        return "study"
    if re.search(r"\b(?:study|trial|protocol)(?:[- ](?:specific|related))?\s+(?:procedure|activit|assessment)", a):
        return "study procedures"  # 11.34
    for key in ("first dose", "last dose", "screening", "enrollment", "randomization", "registration",
                "baseline", "surgery", "diagnosis", "consent", "study entry", "day 1"):
        if key in a:
            return key
    if re.search(r"\b(?:discontinu\w*|completion|completing|stopping|end)\s+of\b", a) and re.search(
            r"\b(?:drug|medication|product|dose|dosing|investigational|imp)\b", a):
        return "last dose"  # "within 5 days of discontinuation of investigational drug" (11.34: final dose)
    if re.search(r"\b(?:study\s+(?:drug|treatment|medication|vaccin\w*|product|intervention)|investigational|imp)\b", a):
        return "first dose"
    return a


def find_temporal(text: str, start: int, end: int) -> list[FoundTemporal]:
    """Temporal windows in text[start:end], left to right, non-overlapping."""
    found: list[FoundTemporal] = []
    digit = _DIGIT.search(text, start, end) is not None
    if not (digit or _CUE_WORD.search(text, start, end)):
        return found
    taken: list[tuple[int, int]] = []
    low = folded(text).low
    if low is None:  # no trusted lower-cased text: every pattern is tried
        ok = _ALL
    else:
        bits = _GATES.find(low, start, end)
        ok = bits & (_ALL if digit else bits >> _N)
    cands = []
    while ok:  # the patterns whose gates passed, lowest bit first (a clause has the words of a few)
        i = (ok & -ok).bit_length() - 1
        ok &= ok - 1
        rel, rx, _ = _COMPILED[i]
        for m in rx.finditer(text, start, end):
            cands.append((m.start(), m.start() - m.end(), i, rel, m))
    cands.sort(key=lambda c: c[:3])
    for _, _, _, rel, m in cands:
        if any(not (m.end() <= s or m.start() >= e) for s, e in taken):
            continue
        if _DURATION_OF.search(text, max(start, m.start() - 30), m.start()):
            continue  # "disease duration of no more than 10 years": the duration is the constraint, not a window
        if True:
            gd = m.groupdict()
            amount = parse_number(gd["amount"]) if gd.get("amount") else None
            if amount is None and gd.get("unit") and not gd["unit"].lower().endswith("s"):
                amount = 1.0  # "in the last year", "within the past month"
            upper = parse_number(gd["upper"]) if gd.get("upper") else None
            unit = next((k for k in _UNITS if gd.get(k)), None)
            anchor = gd.get("anchor")
            if anchor is None and rel == "after" and _THROUGH_DAY.match(m.group(0)):
                anchor = "first dose"  # "through Day 28": day 1 is the first dose (11.34)
            t_end = m.end()
            if anchor is None and amount is not None:
                am = _ANCHOR_AFTER.match(text, t_end, end)
                if am:
                    anchor = am.group("anchor")
                    t_end = am.end()
            found.append(FoundTemporal(rel, m.start(), t_end, amount, upper, unit,
                                       _norm_anchor(anchor) if anchor else None))
            taken.append((m.start(), t_end))
    found.sort(key=lambda t: t.start)
    return found


@lru_cache(maxsize=None)
def _period_rules() -> tuple[Gated, dict[str, str]]:
    """Period cues from `models/rules/periods.jsonl` as one alternation (longest first)."""
    path = model_file("rules", "periods.jsonl")
    values: dict[str, str] = {}
    parts = []
    for n, rec in read_jsonl(path):
        check_keys(rec, path, n, {"literal", "value"}, {"not_before", "not_after"})
        if rec["value"] not in PERIODS:
            raise RuleFileError(path, n, f"value must be one of {PERIODS}")
        values[rec["literal"].lower()] = rec["value"]
        # the first letter is matched before the rest, so that cues are grouped by it (below)
        words = rec["literal"].split()
        first = words[0][0]
        body = re.escape(words[0][1:]) + "".join(r"\s+" + re.escape(w) for w in words[1:])
        # "not_before"/"not_after": a word or a list of words that rule the cue out ("prior to",
        # "family history", "physically active"); the look back is taken after the first letter
        after = rec.get("not_before") or []
        after = [after] if isinstance(after, str) else after
        guard = "".join(rf"(?!\s+{re.escape(w)}\b)" for w in after)
        before = rec.get("not_after") or []
        before = [before] if isinstance(before, str) else before
        lead = "".join(rf"(?<!\b{re.escape(w)}\s{re.escape(first)})" for w in before)
        parts.append((len(rec["literal"]), first.lower(), rf"{lead}{body}\b{guard}"))
    parts.sort(key=lambda p: -p[0])
    groups: dict[str, list[str]] = {}
    for _, first, p in parts:
        groups.setdefault(first, []).append(p)
    # Gated: the scan runs only where one of the cue words occurs (same matches; folded, the match
    # is lower-cased for the lookup anyway). One leading \b for all cues: a position inside a word
    # fails once. The cues grouped by their first letter, longest first within a group: the engine
    # tests a group's letter before entering it (cues with other first letters cannot match at the
    # same place, so the longest cue still wins), 2x faster than all cues one by one
    return Gated(r"\b(?:" + "|".join(re.escape(f) + "(?:" + "|".join(ps) + ")" for f, ps in groups.items()) + ")",
                 re.I, max_words=200, fold=True), values


PERIODS = ("past", "present", "future", "recent")


def find_periods(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """(start, end, value) of period cues ("history of", "current", "planned") in text[start:end]."""
    rx, values = _period_rules()
    return [(m.start(), m.end(), values[re.sub(r"\s+", " ", m.group(0).lower())]) for m in rx.finditer(text, start, end)]


def half_lives(text: str, start: int, end: int) -> Optional[tuple[int, int, float]]:
    m = _HALF_LIVES.search(text, start, end)
    return (m.start(), m.end(), float(m.group("amount"))) if m else None
