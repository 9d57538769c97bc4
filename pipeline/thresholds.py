"""Comparators, values, ranges, sets and units inside a clause, as pure functions over text.

The input is the raw criteria text and a clause's offsets; the output is a list of `Found`
constraints with exact character offsets for comparator, value(s) and unit. Comparator words are
data (`models/rules/comparators.jsonl`); units are recognised by trying the longest written form
that `units.normalize_unit` accepts, so the unit table stays the single source of truth.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from .errors import RuleFileError
from .fastre import CaseFolded, guarded
from .rules import check_keys, read_jsonl
from .paths import model_file

OPERATORS = {"<", "<=", ">", ">=", "=", "!=", "~"}
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


@dataclass
class Found:
    """One constraint found in text. Offsets are into the whole criteria text."""

    operator: str
    start: int
    end: int
    value: Optional[float] = None
    upper: Optional[float] = None
    values: Optional[list[float]] = None
    lower_inclusive: Optional[bool] = None
    upper_inclusive: Optional[bool] = None
    qualitative: Optional[str] = None
    unit: Optional[str] = None
    unit_normalized: Optional[str] = None
    op_spans: list[tuple[int, int]] = field(default_factory=list)
    value_spans: list[tuple[int, int]] = field(default_factory=list)
    unit_span: Optional[tuple[int, int]] = None
    part: Optional[str] = None  # "systolic" / "diastolic" of a combined blood pressure ("< 140/90 mmHg")
    percentile: bool = False  # "≥ 95th percentile for age": a rank on a growth chart, no unit (GUIDELINES 11.247)
    # the lower bound of "between 6 months and 17 years": where its upper bound (in another unit) starts
    pair_start: Optional[int] = None

    def __post_init__(self):
        # "78 to 24 ETDRS letters": a range written high to low is the same range (§11.81)
        if self.operator == "between" and self.value is not None and self.upper is not None and self.value > self.upper:
            self.value, self.upper = self.upper, self.value
            self.lower_inclusive, self.upper_inclusive = self.upper_inclusive, self.lower_inclusive
            if len(self.value_spans) == 2:
                self.value_spans = [self.value_spans[1], self.value_spans[0]]


# ----------------------------------------------------------------------------- comparators


@lru_cache(maxsize=None)
def comparator_table() -> tuple[tuple[str, str, str], ...]:
    path = model_file("rules", "comparators.jsonl")
    rows = []
    for n, rec in read_jsonl(path):
        check_keys(rec, path, n, {"literal", "operator", "kind"}, {"note"})
        if rec["operator"] not in OPERATORS or rec["kind"] not in ("symbol", "word"):
            raise RuleFileError(path, n, f"bad operator/kind {rec['operator']!r}/{rec['kind']!r}")
        rows.append((rec["literal"], rec["operator"], rec["kind"]))
    return tuple(rows)


@lru_cache(maxsize=None)
def _comparator_regex() -> tuple[CaseFolded, dict[str, str]]:
    """Word comparators as one trie-shaped alternation (fast), symbols as a short alternation."""
    from .subjects import _trie_regex

    lookup = {}
    words = []
    symbols = []
    for literal, op, kind in comparator_table():
        lookup[_fold(literal)] = op
        (words if kind == "word" else symbols).append(literal)
    # a word comparator may be glued to its number ("greater than100")
    word_rx = r"\b(?:" + _trie_regex(sorted({_fold(w) for w in words})) + r")(?![A-Za-z])"
    # markdown escapes: "\>=" and "\>\=" as well as the plain symbol
    alts = ["".join(r"\\?" + re.escape(ch) for ch in lit) for lit in sorted(symbols, key=len, reverse=True)]
    if not any(lit.startswith("\\") for lit in symbols):
        # the escape before the first character, once for all symbols: the alternatives then start
        # with a plain character, which the engine tests without entering them (same matches)
        alts = ["\\\\?(?:" + "|".join(a[len(r"\\?"):] for a in alts) + ")"]
    # CaseFolded: the match is folded for the lookup anyway
    return CaseFolded(f"(?:{word_rx}|{'|'.join(alts)})", re.I, guard=True), lookup


def _fold(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\\", "")).lower()


# ----------------------------------------------------------------------------- numbers

_WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100,
}
_NUM_DIGITS_RX = (
    r"(?<![\w.^/*×])(?<![x×*]\s)10\^-?\d{1,2}(?![\d.])"  # "> 10^3 CFU/mL" (not the "x 10^9/L" of a unit)
    r"|(?<![\w.^/])(?:[-+](?=\d))?(?:\d{1,3}(?:,\d{3})+(?!\d)"
    r"|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d.,])(?=\s*[/A-Za-zµμ%])"  # "100 000/mm³": spaced thousands
    r"|\d+)(?:\.\d+)?(?![\d])(?!\.\d)"
    r"|(?<![\w.])\.\d+"
)
_NUM_WORDS_RX = (  # one \b for words and roman numerals (tested once per position)
    r"\b(?:(?:" + "|".join(_WORD_NUMBERS) + r")\b"
    r"|(?-i:(?:IV|IX|VI{0,3}|I{1,3}|X)\b))"  # roman numerals, upper case only ("NYHA class II-IV")
)
# guarded: a lookahead for the first characters (fastre), same matches
_NUM = guarded(_NUM_DIGITS_RX + "|" + _NUM_WORDS_RX, re.I)
# the two halves of _NUM: a match of one holds no letter, a match of the other only letters, so
# neither starts inside the other's matches and _NUM finds the matches of both (`_numbers`)
_NUM_DIGITS = guarded(_NUM_DIGITS_RX, re.I)
_NUM_WORDS = guarded(_NUM_WORDS_RX, re.I)
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}
_ROMAN_CONTEXT = re.compile(
    r"\b(?:class(?:es)?|classification|grades?|(?:FIGO|Hurley|Ann\s+Arbor|Tanner|Binet|Rai|ISS|R-ISS)\s+stages?|status|ASA|NYHA|Killip|functional\s+class|(?:≥|≤|>|<|=))\s*"
    r"(?:\w+\s+){0,2}$", re.I)


def parse_number(s: str) -> Optional[float]:
    """'1,500' -> 1500.0, '2.5' -> 2.5, 'twelve' -> 12.0; None when not a number."""
    s = s.strip().translate(_SUPERSCRIPT)
    if s.startswith("10^"):
        try:
            return 10.0 ** int(s[3:])
        except ValueError:
            return None
    if s in _ROMAN:
        return float(_ROMAN[s])
    low = s.lower()
    if low in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[low])
    try:
        v = float(s.replace(",", "").replace(" ", "").replace("\u00a0", "").replace("\u202f", ""))
    except ValueError:
        return None
    return v if math.isfinite(v) else None  # 309 digits and more overflow to inf: no usable value


# ----------------------------------------------------------------------------- units

_UNIT_STOP = re.compile(
    r"[;,()\[\]]|\s(?:and|or|if|in|for|with|of(?!\s+normal\b)|on|at|by|within|when|who|unless|except)\s", re.I)
_UNIT_TOKEN = re.compile(r"\S+")


_LETTERS = re.compile(r"[A-Za-zµμ]+")


@lru_cache(maxsize=None)
def _unit_starts() -> frozenset[str]:
    """Leading letter runs of every written unit form, multiplier and filler in the unit table."""
    from .units import load_aliases

    table = load_aliases()
    out = set()
    for form in list(table.exact) + list(table.lower) + list(table.multipliers) + list(table.fillers) + list(table.words):
        m = _LETTERS.search(form)
        if m and m.start() == 0:
            out.add(m.group(0).lower().replace("µ", "u").replace("μ", "u"))
        for w in re.findall(r"[A-Za-zµμ]+", form):
            out.add(w.lower().replace("µ", "u").replace("μ", "u"))  # any word of a form may lead once fillers or numbers are dropped
    return frozenset(out)


@lru_cache(maxsize=65536)
def _normalize(written: str) -> Optional[str]:
    from .units import normalize_unit

    if _foreign_word(written):
        return None  # "weeks which could affect": most strings `unit_at` tries are not units
    return normalize_unit(written)


_RUN = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=None)
def _unit_words() -> tuple[str, tuple[str, ...]]:
    """(every folded unit spelling, filler, multiplier and removed word, lower-cased, one a line;
    the letter multipliers) for `_foreign_word`."""
    from .units import load_aliases

    t = load_aliases()
    words = list(t.exact) + list(t.lower) + list(t.fillers) + list(t.multipliers) + ["per", "exp", "e"]
    return "\n".join(w.lower() for w in words), tuple(m.lower() for m in t.multipliers if m.isalpha())


def _foreign_word(written: str) -> bool:
    """Whether the ASCII string without parentheses has a letter run that occurs in no unit spelling
    (so `normalize_unit` returns None). Exact: folding a written unit keeps each letter run whole
    inside the lookup key, except for words it removes (fillers, "per", a leading multiplier, the
    "exp"/"e" of a power of ten), which are in the list; it only looks into parentheses."""
    if not written.isascii() or "(" in written or ")" in written:
        return False
    blob, mults = _unit_words()
    for run in _RUN.findall(written):
        run = run.lower()
        if run not in blob and not any(run.startswith(m) and run[len(m):] in blob for m in mults):
            return True
    return False


def unit_at(text: str, pos: int, end: int) -> Optional[tuple[int, int, str, str]]:
    """The longest unit written at `pos`: (start, end, as_written, normalized) or None."""
    normalize_unit = _normalize
    s = pos
    while s < end and text[s] in " \t":
        s += 1
    if s >= end or text[s] in ";,)":
        return None
    if text[s] == "%" and (s + 1 >= end or not text[s + 1].isalnum()):
        return s, s + 1, "%", "%"  # "7.5%-11.0%": the percent sign ends the unit
    if text[s] == "-":
        glued = _HYPHEN_TIME.match(text, s + 1, end)
        if glued:  # "50-year-old", "10-week": the unit is glued to the number by a hyphen
            return s + 1, glued.end(), glued.group(0), _normalize(glued.group(0))
    glued_old = _HYPHEN_TIME.match(text, s, end)
    if glued_old and text.startswith("-old", glued_old.end()):  # "18 years-old": "-old" is no unit
        return s, glued_old.end(), glued_old.group(0), _normalize(glued_old.group(0))
    window_end = min(end, s + 60)
    rate = _COUNT_RATE.match(text, s, window_end)
    if rate:  # "10 cigarettes per day", "3 drinks/week": a count per time
        per = {"day": "d", "d": "d", "week": "wk", "wk": "wk", "month": "mo", "year": "a", "hour": "h", "h": "h"}
        noun = rate.group("noun").lower().split()[-1]
        num = _TIME_NOUN.get(noun) or "{%s}" % noun
        return s, rate.end(), rate.group(0), "%s/%s" % (num, per[rate.group("per").lower()])
    lead = _LETTERS.match(text, s, min(end, s + 40))
    if lead:
        word = lead.group(0).lower().replace("µ", "u").replace("μ", "u")
        starts = _unit_starts()
        if word not in starts and not (word[0] in "x×" and word[1:] in starts):
            per = _PER_VOLUME.match(text, lead.end(), min(end, lead.end() + 20))
            if per and len(word) >= 4 and (code := _normalize("/" + per.group("den"))):
                return s, per.end(), text[s:per.end()], code  # "platelets/microL", "cells/mm3"
            return None  # "mg/dL" starts with "mg"; "patients" starts no unit: skip the slow normalizer
    window_end = min(end, s + 60)
    stop = _UNIT_STOP.search(text, s, window_end)
    limit = stop.start() if stop else window_end
    # also allow one parenthesised tail such as "(ULN)" after "upper limit of normal"
    cands = []
    for m in _UNIT_TOKEN.finditer(text, s, limit):
        cands.append(m.end())
        if len(cands) >= 8:
            break
    if limit < window_end and text[limit] == "(":
        close = text.find(")", limit, window_end)
        if close != -1 and close - limit <= 12 and not _ANY_DIGIT_OR_CMP.search(text, limit, close):
            cands.append(close + 1)  # "(ULN)", not "(≤ 5 × ULN if liver metastases are present)"
    for e in sorted(set(cands), reverse=True):
        # strip trailing punctuation that is not part of a unit
        while e > s and text[e - 1] in ".:;,":
            e -= 1
        for e2 in _char_prefixes(text, s, e):
            written = text[s:e2]
            code = normalize_unit(written)
            if code:
                return s, e2, written, code
    return None


_ANY_DIGIT_OR_CMP = re.compile(r"[\d<>≤≥=]")
_PER_VOLUME = re.compile(r"\s*/\s*(?P<den>(?:micro|µ|μ|u|m|mc)?(?:L|l|liter|litre)|mm3|mm³|cm3|dL)\b")
_HYPHEN_TIME = re.compile(r"(?:year|month|week|day|hour)s?\b", re.I)
_COUNT_RATE = re.compile(
    r"(?P<noun>(?:(?!(?:of|the|and|or|in|at|to|for|per|an?|with|than)\b)[A-Za-z]{3,}\s+)?[A-Za-z]{3,})"
    r"(?:\s*/\s*|\s+(?:per|an?|each|every|in\s+an?)\s+)(?P<per>day|week|month|year|hour|d|wk|h)\b", re.I)
_TIME_NOUN = {"second": "s", "seconds": "s", "minute": "min", "minutes": "min", "hour": "h", "hours": "h",
              "day": "d", "days": "d", "week": "wk", "weeks": "wk", "month": "mo", "months": "mo"}


def _char_prefixes(text: str, s: int, e: int):
    """Candidate ends for glued forms ("weeks," "%)", "mg/dL."): the full end, then shorter."""
    yield e
    # drop trailing non-alnum chars one by one (")", "." ...)
    k = e
    while k > s + 1 and not (text[k - 1].isalnum() or text[k - 1] in "%²³⁹"):
        k -= 1
        yield k


# ----------------------------------------------------------------------------- qualitative

_QUALITATIVE = CaseFolded(  # folded: the result word is lower-cased anyway
    r"\b(?P<q>positive|negative|detectable|undetectable|non-?detectable|not\s+detectable|reactive|non-?reactive|"
    r"seropositive|seronegative|abnormal)\b",
    re.I, guard=True,
)
_NOUN_NEXT = re.compile(
    r"\s+(?!(?:at|on|in|for|with|and|or|by|as|from|since|within|before|after|during|prior|but|if|who|that|which|"
    r"is|are|was|were|test|tests|result|results|status|serology|screen|screening|patients?|participants?|subjects?|"
    r"individuals?|people|persons?|adults?|children|women|men|volunteers?)\b)[A-Za-z]", re.I)
_QUAL_HINT = re.compile(r"positive|negative|detectable|reactive|abnormal")
_NORMAL = re.compile(
    r"\b(?:(?:is|are|be|being|remain|remains)\s+)?(?:(?P<neg>not\s+|outside\s+(?:of\s+)?)(?:within\s+|in\s+)?|within\s+|in\s+)(?:the\s+)?(?:institutional\s+|normal\s+)?"
    r"(?:normal|reference|laboratory)\s+(?:limits?|ranges?|reference\s+ranges?|values?)"
    r"(?:\s+(?:of|for)\s+(?:the\s+)?(?:institution|site|laboratory|local\s+laboratory|age))?"
    r"|\bwithin\s+(?:institutional\s+)?(?:normal\s+)?limits\b|\bWNL\b|\bnormal\s+(?:range|limits?)\b",
    re.I,
)

# "18 years or older", "18 years of age or older", "16 years old and older": the operator is "or older"
_AGE_WORDS = r"(?:years?\s+)?(?:(?:of\s+age|-?old)\s+)?"
_OLDER = re.compile(
    rf"\s*(?:\+|{_AGE_WORDS}(?P<op>(?:or|and)\s+(?:older|over|above|more|greater|higher|up(?:wards)?))\b)",
    re.I,
)
_YOUNGER = re.compile(rf"\s*(?:{_AGE_WORDS}(?P<op>(?:or|and)\s+(?:younger|under|below|less|lower|fewer))\b)", re.I)
_RANGE_SEP = re.compile(r"\s*(?:-|–|—|~|～|to|through|until)\s*", re.I)
_SET_SEP = re.compile(r"\s*(?:,\s*(?:or|and)?|or|and|/)\s*", re.I)
_BETWEEN = guarded(r"\b(?:between|from)\s+(?:the\s+ages?\s+of\s+)?", re.I)
_AND_TO = re.compile(r"\s*(?:and|to|-|–)\s*", re.I)
_INCLUSIVE = re.compile(r"\s*,?\s*\(?(?P<k>inclusive|inclusively|exclusive|both\s+inclusive)\)?", re.I)


_DIGIT = re.compile(r"\d")


def _numbers(text: str, start: int, end: int, digit: bool) -> list[re.Match]:
    """`list(_NUM.finditer(text, start, end))`, faster: the number words in one scan, the numbers
    written with digits in another only when the text has a digit (`digit`)."""
    found = list(_NUM_WORDS.finditer(text, start, end))
    if digit:
        found += _NUM_DIGITS.finditer(text, start, end)
        found.sort(key=lambda m: m.start())
    return found


_DECIMAL_COMMA = re.compile(r",(\d{1,2})(?![\d,])(?!\s*(?:,|or\b|and\b)\s*\d)")
_NUM_GLUED = re.compile(r"(?:[-+](?=\d))?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?![\d])(?!\.\d)")


_BP_SECOND = re.compile(r"\s*/\s*(\d{2,3})(?![\d.,])")


def _bp_pair(text: str, a, end: int):
    """"140/90 mmHg": the diastolic value and the unit after a systolic value `a`, or None."""
    m = _BP_SECOND.match(text, a[2], end)
    if not m:
        return None
    u = unit_at(text, m.end(), end)
    if not u or u[3] != "mm[Hg]":
        return None
    return (float(m.group(1)), m.start(1), m.end(1)), u, u[1]


def _bp_limits(op: str, start: int, end: int, op_span, systolic, diastolic, unit) -> list[Found]:
    """The systolic and the diastolic limit of one combined pressure, sharing span and operator."""
    out = []
    for part, (v, vs, ve) in (("systolic", systolic), ("diastolic", diastolic)):
        f = Found(op, start, end, v, op_spans=[op_span], value_spans=[(vs, ve)], part=part)
        _set_unit(f, unit)
        out.append(f)
    return out


def _num_at(text: str, pos: int, end: int):
    while pos < end and text[pos] in " \t":
        pos += 1
    m = _NUM.match(text, pos, end)
    if m is None and pos > 0 and text[pos - 1].isalpha():
        m = _NUM_GLUED.match(text, pos, end)  # "greater than100"
    if not m:
        return None
    dec = _DECIMAL_COMMA.match(text, m.end(), end)
    if dec and "." not in m.group(0) and "," not in m.group(0):  # "BMI ≥18,5": a decimal comma after a comparator
        return float(m.group(0) + "." + dec.group(1)), m.start(), dec.end()
    v = parse_number(m.group(0))
    if v is None:
        return None
    return v, m.start(), m.end()


_ARTICLE = re.compile(r"\s*(?:the|an?|institutional|the\s+institutional)\s+", re.I)
_PERCENTILE = re.compile(r"\s*(?:the\s+)?(?P<n>\d{1,2}(?:\.\d)?)\s*(?:st|nd|rd|th)?\s+(?:percentile|centile)s?\b", re.I)
_PERCENTILE_RANGE = re.compile(r"\s*(?:the\s+)?(?P<a>\d{1,2})\s*(?:st|nd|rd|th)?(?:\s+(?:percentile|centile))?\s*"
                               r"(?:and|to|-|–)\s*(?:the\s+)?(?P<b>\d{1,2})\s*(?:st|nd|rd|th)?\s+(?:percentile|centile)s?\b",
                               re.I)


def find_constraints(text: str, start: int, end: int, claimed: list[tuple[int, int]] | None = None) -> list[Found]:
    """All numeric, range, set, normal-range and qualitative constraints in text[start:end]."""
    out: list[Found] = []
    taken: list[tuple[int, int]] = list(claimed or [])

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    rx, lookup = _comparator_regex()
    # every pattern below needs a number: a digit (a search that skips through the text in C), or a
    # number word or roman numeral (matches of _NUM)
    digit = _DIGIT.search(text, start, end) is not None
    numbers = _numbers(text, start, end, digit)
    has_number = digit or bool(numbers)
    # 1. between X and Y / from X to Y
    for m in (_BETWEEN.finditer(text, start, end) if has_number else ()):
        if not free(m.start(), m.end()):
            continue
        pm = _PERCENTILE_RANGE.match(text, m.end(), end)
        if pm:  # "between the 5th and 95th percentile"
            f = Found("between", m.start(), pm.end(), float(pm.group("a")), float(pm.group("b")),
                      lower_inclusive=True, upper_inclusive=True, op_spans=[(m.start(), m.start() + len(m.group(0).split()[0]))],
                      value_spans=[(pm.start("a"), pm.end("a")), (pm.start("b"), pm.end("b"))], percentile=True)
            out.append(f)
            taken.append((f.start, f.end))
            continue
        a = _num_at(text, m.end(), end)
        if not a:
            continue
        u1 = unit_at(text, a[2], end)
        pos = u1[1] if u1 else a[2]
        sep = _AND_TO.match(text, pos, end)
        if not sep:
            continue
        b = _num_at(text, sep.end(), end)
        if not b:
            continue
        u2 = unit_at(text, b[2], end)
        f_end = u2[1] if u2 else b[2]
        if _mixed_units(u1, u2):  # "between 6 months and 17 years": two bounds in their own units (§11.13)
            out += _bound_pair(text, m.start(), a[0], (a[1], a[2]), u1, b, u2, (m.start(), m.start() + len(m.group(0).split()[0])))
            taken.append((m.start(), f_end))
            continue
        f = Found("between", m.start(), f_end, a[0], b[0], lower_inclusive=True, upper_inclusive=True,
                  op_spans=[(m.start(), m.start() + len(m.group(0).split()[0]))],
                  value_spans=[(a[1], a[2]), (b[1], b[2])])
        _set_unit(f, u2 or u1)
        inc = _INCLUSIVE.match(text, f_end, end)
        if inc:
            if inc.group("k").lower().startswith("exclusive"):
                f.lower_inclusive = f.upper_inclusive = False
            f.end = inc.end() if inc.group(0).rstrip().endswith(")") is False else inc.end()
        out.append(f)
        taken.append((f.start, f.end))
    # 2. comparator + value (+ unit), possibly a second bound "and <= 75"
    for m in (rx.finditer(text, start, end) if has_number else ()):
        if not free(m.start(), m.end()):
            continue
        op = lookup.get(_fold(m.group(0)))
        if op is None:
            continue
        pm = _PERCENTILE.match(text, m.end(), end)
        if pm and op in ("<", "<=", ">", ">=") and free(pm.start("n"), pm.end()):
            # "below the 3rd percentile", "≥ 95th percentile for age"
            f = Found(op, m.start(), pm.end(), float(pm.group("n")), op_spans=[(m.start(), m.end())],
                      value_spans=[(pm.start("n"), pm.end("n"))], percentile=True)
            out.append(f)
            taken.append((f.start, f.end))
            continue
        if op == "~" and m.group(0) in "~～" and text[max(start, m.start() - 3):m.start()].rstrip()[-1:].isdigit():
            continue  # "0~2", "19~45 years": a range, not "about 2"
        a = _num_at(text, m.end(), end)
        if not a or a[1] - m.end() > 3:
            continue
        if not free(a[1], a[2]):
            continue
        pair = _bp_pair(text, a, end)
        if pair:  # "< 140/90 mmHg": a systolic and a diastolic limit on one span
            b, u, f_end = pair
            out += _bp_limits(op, m.start(), f_end, (m.start(), m.end()), a, b, u)
            taken.append((m.start(), f_end))
            continue
        u = unit_at(text, a[2], end)
        f_end = u[1] if u else a[2]
        if op == "=" and not u:
            sep = _RANGE_SEP.match(text, a[2], end)
            b = _num_at(text, sep.end(), end) if sep and sep.group(0).strip() else None
            if b and b[0] > a[0]:  # "BMI = 18.5-29.9 kg/m2": a range written after "="
                u2 = unit_at(text, b[2], end)
                f = Found("between", m.start(), u2[1] if u2 else b[2], a[0], b[0], lower_inclusive=True,
                          upper_inclusive=True, op_spans=[(sep.start(), sep.end())],
                          value_spans=[(a[1], a[2]), (b[1], b[2])])
                _set_unit(f, u2)
                out.append(f)
                taken.append((f.start, f.end))
                continue
        f = Found(op, m.start(), f_end, a[0], op_spans=[(m.start(), m.end())], value_spans=[(a[1], a[2])])
        _set_unit(f, u)
        out.append(f)
        taken.append((f.start, f.end))
    # 2b. a limit written against the reference range with no number: "≥ LLN", "> ULN", "above the upper
    # limit of normal" → value 1 in {LLN}/{ULN} (GUIDELINES §5, 11.115)
    low = text[start:end].lower()
    if "uln" in low or "lln" in low or "of normal" in low or "reference" in low or "normal limit" in low:
        for m in rx.finditer(text, start, end):
            op = lookup.get(_fold(m.group(0)))
            if op not in (">", ">=", "<", "<=") or not free(m.start(), m.end()):
                continue
            art = _ARTICLE.match(text, m.end(), end)
            u = unit_at(text, art.end() if art else m.end(), end)
            if u is None or u[3] not in ("{ULN}", "{LLN}") or not free(u[0], u[1]):
                continue
            f = Found(op, m.start(), u[1], 1.0, op_spans=[(m.start(), m.end())], value_spans=[])
            _set_unit(f, u)
            out.append(f)
            taken.append((f.start, f.end))
    # 3. ranges "18-75 years", "0 to 2", and sets "0, 1 or 2", and "18 years or older"
    for m in numbers:
        if not free(m.start(), m.end()):
            continue
        if m.group(0) in _ROMAN and not _ROMAN_CONTEXT.search(text, max(start, m.start() - 30), m.start()):
            continue
        v = parse_number(m.group(0))
        if v is None:
            continue
        pair = _bp_pair(text, (v, m.start(), m.end()), end)
        if pair:
            b, u, p_end = pair
            mm = _OLDER.match(text, p_end, end) or _YOUNGER.match(text, p_end, end)
            if mm:  # "150/90 mmHg or higher"
                op = ">=" if _OLDER.match(text, p_end, end) else "<="
                out += _bp_limits(op, m.start(), mm.end(), _strip_span(text, mm.start(), mm.end()),
                                  (v, m.start(), m.end()), b, u)
                taken.append((m.start(), mm.end()))
                continue
        u1 = unit_at(text, m.end(), end)
        pos = u1[1] if u1 else m.end()
        sep = _RANGE_SEP.match(text, pos, end)
        if sep and (sep.group(0).strip() or pos > m.end()):
            b = _num_at(text, sep.end(), end)
            if b and free(b[1], b[2]) and not (sep.group(0).strip() in "-–" and _looks_like_name(text, m.start())):
                u2 = unit_at(text, b[2], end)
                f_end = u2[1] if u2 else b[2]
                if _mixed_units(u1, u2):  # "6 months to 65 years": two bounds in their own units (§11.13)
                    out += _bound_pair(text, m.start(), v, (m.start(), m.end()), u1, b, u2, (sep.start(), sep.end()))
                    taken.append((m.start(), f_end))
                    continue
                f = Found("between", m.start(), f_end, v, b[0], lower_inclusive=True, upper_inclusive=True,
                          op_spans=[(sep.start(), sep.end())] if sep.group(0).strip() else [],
                          value_spans=[(m.start(), m.end()), (b[1], b[2])])
                _set_unit(f, u2 or u1)
                out.append(f)
                taken.append((f.start, f.end))
                continue
        older = _OLDER.match(text, pos, end)
        younger = None if older else _YOUNGER.match(text, pos, end)
        if older or younger:
            mm = older or younger
            f = Found(">=" if older else "<=", m.start(), mm.end(), v, op_spans=[(mm.start(), mm.end())],
                      value_spans=[(m.start(), m.end())])
            f.op_spans = [_strip_span(text, mm.start("op") if mm.group("op") else mm.start(), mm.end())]
            if u1 is None and mm.group(0).strip() == "+":
                u1 = unit_at(text, mm.end(), end)  # "60+ years"
                if u1:
                    f.end = u1[1]
            _set_unit(f, u1)
            out.append(f)
            taken.append((f.start, f.end))
            continue
        # sets of small integers: "0, 1 or 2"; the walk stops at the first value that cannot be in
        # one, so that a long list of other numbers ("1,500, 2,000, ...") is not walked again from
        # each of its numbers (quadratic)
        vals = [(v, m.start(), m.end())]
        p = m.end()
        small = (v * 2).is_integer() and v < 10  # (half steps too: "CDR 0.5 or 1", "EDSS 5.5 or 6.0")
        while small:
            sm = _SET_SEP.match(text, p, end)
            if not sm:
                break
            nb = _num_at(text, sm.end(), end)
            if not nb:
                break
            vals.append(nb)
            p = nb[2]
            small = (nb[0] * 2).is_integer() and nb[0] < 10
        if small and len(vals) >= 2:
            f = Found("in", m.start(), p, values=[x[0] for x in vals], value_spans=[(x[1], x[2]) for x in vals])
            out.append(f)
            taken.append((f.start, f.end))
    # 4. within normal limits
    for m in (_NORMAL.finditer(text, start, end) if ("normal" in low or "wnl" in low or "limits" in low) else ()):
        if free(m.start(), m.end()):
            s, e = _strip_span(text, m.start(), m.end())
            if m.group("neg"):
                out.append(Found("=", s, e, qualitative="abnormal", op_spans=[(s, e)]))
            else:
                out.append(Found("normal", s, e, op_spans=[(s, e)]))
            taken.append((s, e))
    # 5. qualitative results
    for m in (_QUALITATIVE.finditer(text, start, end) if _QUAL_HINT.search(low) else ()):
        if m.start() > start and text[m.start() - 1] == "-" and _NOUN_NEXT.match(text, m.end(), end):
            continue  # "HER2-positive breast cancer", "an HIV-positive mother": part of a name, no result
        if free(m.start(), m.end()):
            q = re.sub(r"[\s-]+", "", m.group("q").lower())
            q = {"notdetectable": "undetectable", "nondetectable": "undetectable", "seropositive": "positive",
                 "seronegative": "negative", "reactive": "positive", "nonreactive": "negative"}.get(q, q)
            out.append(Found("=", m.start(), m.end(), qualitative=q, op_spans=[]))
            taken.append((m.start(), m.end()))
    out.sort(key=lambda f: f.start)
    return _merge_bounds(text, out)


_BOUND_GAP = re.compile(r"\s*(?:,\s*)?(?:and|but|&|to)?\s*", re.I)


def _merge_bounds(text: str, found: list[Found]) -> list[Found]:
    """"≥ 25 and < 75 mL/min", "at least 1 but no more than 3" -> one `between` constraint."""
    out: list[Found] = []
    for f in found:
        prev = out[-1] if out else None
        if (prev is not None and prev.operator in (">", ">=") and f.operator in ("<", "<=")
                and prev.value is not None and f.value is not None and prev.value < f.value
                and _BOUND_GAP.fullmatch(text, prev.end, f.start)
                # "at least 8 weeks and no longer than 24 months": units differ, two comparisons (GUIDELINES 11.13)
                and not (prev.unit_normalized and f.unit_normalized and prev.unit_normalized != f.unit_normalized)):
            merged = Found("between", prev.start, f.end, prev.value, f.value,
                           lower_inclusive=prev.operator == ">=", upper_inclusive=f.operator == "<=",
                           op_spans=prev.op_spans + f.op_spans, value_spans=prev.value_spans + f.value_spans)
            if f.unit_span or prev.unit_span:
                merged.unit_span = f.unit_span or prev.unit_span
                merged.unit = f.unit or prev.unit
                merged.unit_normalized = f.unit_normalized or prev.unit_normalized
            out[-1] = merged
            continue
        low = _OPEN_LOWER.search(text, max(0, f.start - 24), f.start) if f.operator in ("<", "<=") else None
        if (low is not None and f.value is not None and (prev is None or prev.end <= low.start())
                and (v := parse_number(low.group("v"))) is not None and v < f.value):
            # "aged 6 to < 12 years", "2 - <18 years": a lower bound written bare before the upper one
            merged = Found("between", low.start(), f.end, v, f.value, lower_inclusive=True,
                           upper_inclusive=f.operator == "<=", op_spans=[(low.start("sep"), low.end("sep"))] + f.op_spans,
                           value_spans=[(low.start("v"), low.end("v"))] + f.value_spans)
            merged.unit_span, merged.unit, merged.unit_normalized = f.unit_span, f.unit, f.unit_normalized
            out.append(merged)
            continue
        out.append(f)
    return out


_OPEN_LOWER = re.compile(r"(?<![\d.,/])(?P<v>\d+(?:\.\d+)?)\s*(?:[A-Za-z]+\s+)?(?P<sep>to|-|–)\s*$", re.I)


def bare_values(text: str, start: int, end: int, claimed: list[tuple[int, int]]) -> list[Found]:
    """Numbers with a unit and no comparator ("Age 18 years", "weight 40 kg"): `=` constraints."""
    out = []
    for m in _NUM.finditer(text, start, end):
        if any(not (m.end() <= s or m.start() >= e) for s, e in claimed):
            continue
        v = parse_number(m.group(0))
        if v is None:
            continue
        u = unit_at(text, m.end(), end)
        f = Found("=", m.start(), u[1] if u else m.end(), v, value_spans=[(m.start(), m.end())])
        _set_unit(f, u)
        out.append(f)
    return out


def _looks_like_name(text: str, pos: int) -> bool:
    """'COVID-19', 'IL-6', 'CD-4': a hyphen attached to letters is a name, not a range."""
    return pos > 0 and (text[pos - 1].isalpha() or text[pos - 1] == "-")


def _strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _mixed_units(u1, u2) -> bool:
    """Both bounds of a range carry a unit and the units differ ("6 months to 65 years")."""
    return bool(u1 and u2 and u1[3] and u2[3] and u1[3] != u2[3])


def _bound_pair(text: str, start: int, v: float, v_span, u1, b, u2, op_span) -> list[Found]:
    """A range whose bounds are in different units as two comparisons: >= the first, <= the second."""
    lo = Found(">=", start, u1[1], v, lower_inclusive=True, op_spans=[], value_spans=[v_span])
    while lo.end > start and text[lo.end - 1] in " \t":
        lo.end -= 1
    _set_unit(lo, u1)
    hi = Found("<=", b[1], u2[1], b[0], upper_inclusive=True, op_spans=[op_span], value_spans=[(b[1], b[2])])
    _set_unit(hi, u2)
    lo.pair_start = hi.start
    return [lo, hi]


def _set_unit(f: Found, u) -> None:
    if u:
        f.unit_span = (u[0], u[1])
        f.unit = u[2]
        f.unit_normalized = u[3]
