"""brat standoff in the LCT (Leaf Clinical Trials) schema: read/write `.ann`, map records, score.

`criteria_to_brat(text, criteria)` is the one mapping from `Criterion` records to LCT annotations;
`to_brat` (predictions as files) and `evaluate_brat` (scores against brat gold) both use it.

LCT conventions the mapping follows (learned from the corpus; details in docs/lct-mapping.md):

* Eq-Comparison spans operator..value..unit, nothing else: "≥3 times the upper limit of normal",
  "< 500 mg/dL", "18 years or older", "18-75 years". Temporal anchors are outside ("within 4 weeks"
  | "prior to enrollment"); "in/during the past 6 months" starts at "past", "within the past 6
  months" starts at "within".
* Eq-Operator carries an `Eq-Operator-Value` attribute (EQ LT LTEQ GT GTEQ BETWEEN PLUS-MINUS);
  "within" is LTEQ, a range separator ("-", "to", "between") is BETWEEN; "greater than or equal"
  leaves out a trailing "to". "between 18 and 65": operator "between", inside the comparison;
  "from 18 to 65": operator "to", the comparison starts at 18. A set ("0, 1 or 2") has values and
  no operator.
* Eq-Value: each number ("18" and "75" of "18-75" are Value and Value2, in text order).
* Units split at "/" and "per": the first part is the Unit argument, the rest are Per arguments
  ("mg/dL" -> Eq-Unit "mg" + Per Eq-Unit "dL"; "mL/min" -> Eq-Unit "mL" + Per Eq-Temporal-Unit
  "min"). A leading "x", "×", "times" (and "the") is not part of the unit; "upper limit of
  normal" and "ULN" are one Eq-Unit. Time words are Eq-Temporal-Unit with an
  `Eq-Temporal-Unit-Value` attribute.
* "past/last/previous/preceding" (and "next") of a window are Eq-Temporal-Period with an
  `Eq-Temporal-Period-Value` attribute (past / future); no operator unless "within" is written.
* Age: the trigger is the age word ("age", "aged", "ages", the "old" of "years old"); the event is
  `Age:T Numeric-Filter:E`. Observation: trigger and Observation-Name on the same span, event
  `Observation:T Name:T Numeric-Filter:E (Temporality:E)`. One subject with two bounds gets
  Numeric-Filter and Numeric-Filter2; two subjects sharing one comparison share the event.
  "Body Mass Index (BMI) > 30": two Observations, the threshold hangs on the abbreviation.
  Emitted only for subjects with a constraint (Age: a numeric one); bare mentions ("age-related",
  "weight loss") were measured to be mostly noise.
* Observation spans predicted by the NER (`pipeline.ner`, trained on LCT dev; issue #5) are merged
  in: where one overlaps a lexicon name its boundaries win (LCT's convention more often), it owns a
  numeric constraint that has no measurable subject ("Oral temperature > 38"), and any other
  predicted span becomes a bare Observation (LCT annotates "pain", "smoking" without a value).
* Read from every line of the text where the records keep nothing (docs/lct-mapping.md, session 3):
  windows, periods, frequencies, durations, "on" (present), class words as units ("stage 2-4"),
  severity ranges, counts ("at least one", "two parents"), dates, Eq-Temporal-Recency ("first dose",
  "newly"), rates ("/day"), second values ("140/90"); an amount of time after "for" is a Duration.
* Negation spans the cue word only: "no", "not", "non" (of "non-smoker"), "without", "unable",
  "inability", "excluded", "absence", "free of" ...; found over the whole text (also in headers and
  lead-ins), apart from the record-level `negated` flag; not where LCT leaves the cue unannotated:
  consent, compliance, the criteria themselves, means of contact, "with or without", "no age limit".

Scoring follows the rules of the LCT evaluation the project is judged with (exact and overlap span
P/R/F1 per type; lab-threshold tuples from Observation/Age -> Numeric-Filter -> Eq-Comparison with
Operator and Value, matched one-to-one on name overlap, operator class and value), reimplemented
here.
"""

from __future__ import annotations


import collections
import hashlib
import logging
import math
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Union

from .negation import find_cues
from .schema import Category, Criterion, Operator
from .temporal import FoundTemporal, find_periods, find_temporal

log = logging.getLogger(__name__)

Frags = tuple[tuple[int, int], ...]

# LCT authors' best runs, exact-span F1 (for context in the report; not computed here)
# fmt: off
LCT_REFERENCE = {
    "Eq-Comparison": 87.3, "Eq-Operator": 95.4, "Eq-Value": 96.8, "Eq-Unit": 89.1,
    "Eq-Temporal-Unit": 98.9, "Eq-Temporal-Period": 89.0, "Negation": 79.6, "Age": 98.8,
    "Observation-Name": 76.3, "Condition": 82.0,
}
SPAN_TYPES = (
    "Eq-Comparison", "Eq-Operator", "Eq-Value", "Eq-Unit", "Eq-Temporal-Unit", "Eq-Temporal-Period",
    "Eq-Temporal-Recency", "Negation", "Age", "Observation", "Observation-Name",
)
# fmt: on
OPERATOR_CLASSES = ("EQ", "LT", "LTEQ", "GT", "GTEQ", "BETWEEN", "PLUS-MINUS")


# =============================================================================================
# standoff records, reader, writer


@dataclass
class Entity:
    """A text-bound annotation (T line); `fragments` are sorted (start, end) pairs."""

    id: str
    type: str
    fragments: Frags
    text: str = ""

    @property
    def start(self) -> int:
        return self.fragments[0][0]

    @property
    def end(self) -> int:
        return self.fragments[-1][1]


@dataclass
class Event:
    """An E line: `type:trigger` then `(role, target)` arguments in written order."""

    id: str
    type: str
    trigger: str
    args: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Attribute:
    """An A line: `name target [value]` (value None for a binary attribute)."""

    id: str
    name: str
    target: str
    value: Optional[str] = None


@dataclass
class BratDoc:
    entities: dict[str, Entity] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    attributes: dict[str, Attribute] = field(default_factory=dict)

    def spans(self) -> set[tuple[str, Frags]]:
        """The distinct (type, fragments) of the text-bound annotations."""
        return {(e.type, e.fragments) for e in self.entities.values()}

    def attrs_of(self, target: str) -> dict[str, Optional[str]]:
        return {a.name: a.value for a in self.attributes.values() if a.target == target}


class BratFormatError(ValueError):
    """A malformed .ann line; the message names the file and line."""


def _parse_frags(spec: str, where: str) -> Frags:
    frags = []
    for part in spec.split(";"):
        bits = part.split()
        if len(bits) != 2 or not all(b.isdigit() for b in bits):
            raise BratFormatError(f"{where}: bad offsets {spec!r}")
        s, e = int(bits[0]), int(bits[1])
        if e < s:
            raise BratFormatError(f"{where}: end before start in {spec!r}")
        frags.append((s, e))
    return tuple(sorted(frags))


def parse_ann(content: str, where: str = "<ann>") -> BratDoc:
    """Parse .ann text: T, E and A lines; R lines, notes (#) and blank lines are ignored."""
    doc = BratDoc()
    for n, line in enumerate(content.splitlines(), 1):
        if not line.strip() or line[0] not in "TEA":
            continue
        at = f"{where}:{n}"
        parts = line.split("\t")
        if len(parts) < 2:
            raise BratFormatError(f"{at}: expected tab-separated fields")
        ident, body = parts[0], parts[1]
        if ident[0] == "T":
            typ, _, spec = body.partition(" ")
            doc.entities[ident] = Entity(
                ident, typ, _parse_frags(spec, at), parts[2] if len(parts) > 2 else ""
            )
        elif ident[0] == "E":
            bits = body.split()
            if not bits:
                raise BratFormatError(f"{at}: empty event")
            typ, _, trig = bits[0].partition(":")
            args = []
            for b in bits[1:]:
                role, sep, target = b.partition(":")
                if sep:
                    args.append((role, target))
            doc.events[ident] = Event(ident, typ, trig, args)
        else:
            bits = body.split()
            if len(bits) < 2:
                raise BratFormatError(f"{at}: attribute needs a name and a target")
            doc.attributes[ident] = Attribute(
                ident, bits[0], bits[1], bits[2] if len(bits) > 2 else None
            )
    return doc


def read_ann(path: Union[str, Path]) -> BratDoc:
    path = Path(path)
    return parse_ann(path.read_text(encoding="utf-8"), str(path))


def _id_key(ident: str) -> tuple[int, str]:
    digits = ident[1:]
    return (int(digits), ident) if digits.isdigit() else (1 << 30, ident)


def format_ann(doc: BratDoc) -> str:
    lines = []
    for ent in sorted(doc.entities.values(), key=lambda e: _id_key(e.id)):
        spec = ";".join(f"{s} {e}" for s, e in ent.fragments)
        lines.append(
            f"{ent.id}\t{ent.type} {spec}\t{ent.text.replace(chr(10), ' ').replace(chr(9), ' ')}"
        )
    for ev in sorted(doc.events.values(), key=lambda e: _id_key(e.id)):
        args = "".join(f" {r}:{t}" for r, t in ev.args)
        lines.append(f"{ev.id}\t{ev.type}:{ev.trigger}{args}")
    for at in sorted(doc.attributes.values(), key=lambda a: _id_key(a.id)):
        lines.append(
            f"{at.id}\t{at.name} {at.target}" + (f" {at.value}" if at.value is not None else "")
        )
    return "".join(line + "\n" for line in lines)


def write_ann(doc: BratDoc, path: Union[str, Path]) -> None:
    Path(path).write_text(format_ann(doc), encoding="utf-8")


# =============================================================================================
# mapping: Criterion records -> LCT annotations

# fmt: off
_OP_CLASS = {
    Operator.LT: "LT", Operator.LE: "LTEQ", Operator.GT: "GT", Operator.GE: "GTEQ",
    Operator.EQ: "EQ", Operator.BETWEEN: "BETWEEN",
}
_PLUS_MINUS = re.compile(r"±|\+/-|\+-")
_OBS_KINDS = {"lab": "lab", "vital": "vital", "score": "clinical-score", "life_expectancy": None}
_OBS_TYPE_ATTR = "Observation-Type-Value"

_TIME_UNITS = [
    ("second", r"s|secs?|seconds?"),
    ("minute", r"mins?|minutes?"),
    ("hour", r"h|hrs?|hours?"),
    ("day", r"d|days?|daily"),
    ("week", r"wks?|weeks?|weekly"),
    ("month", r"mos?|mths?|months?|monthly"),
    ("year", r"y|yrs?|years?|yearly"),
]
_TIME_UNIT_RX = re.compile(
    "|".join(f"(?P<{name}>{rx})" for name, rx in _TIME_UNITS), re.I)
_MULTIPLIER = re.compile(r"(?:x|×|\*|times)(?:\s+|(?=[\dA-Za-z(]))(?:the\s+)?|the\s+", re.I)
_NOT_A_UNIT = re.compile(
    r"(?:a|an|the|of|in|on|at|to|for|and|or|times)(?:\s+(?:a|an|the|of|in|on|at|to|for|and|or))*",
    re.I)
_RATE_LEAD = re.compile(r"(?:a|an|per|each|every)\s+(?=\S)", re.I)
_UNIT_SPLIT = re.compile(r"\s*(?:/|\bper\b|\s(?:in\s+)?an?\b|\seach\b|\severy\b)\s*", re.I)
_AGE_TAIL = re.compile(r"\s+(?:of\s+age|old|of\s+life)\b.*$", re.I)
_NUMBER_TOKEN = re.compile(
    r"(?-i:\b(?:IV|IX|VI{0,3}|I{1,3}|X)\b)|"  # roman classes ("ASA I-II", "NYHA class III or IV")
    r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+|\b(?:zero|one|two|three|four|five|six|seven|eight|nine|"
    r"ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|hundred)\b", re.I)

# temporal windows: "within the past 6 months", "at least 4 weeks", "in the last 30 days"
_T_NUM = (r"\d+(?:\.\d+)?|half|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
          r"fourteen|fifteen|eighteen|twenty|thirty|forty|forty-eight|sixty|ninety")
_T_AMOUNT = re.compile(
    rf"\b(?P<amount>{_T_NUM})(?:\s*(?P<sep>-|–|to|or)\s*(?P<upper>{_T_NUM}))?\s*-?\s*"
    r"(?:(?:consecutive|successive|calendar|completed|gestational|full)\s+)*"  # "6 consecutive weeks"
    r"(?P<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|wks?|w|months?|mos?|mths?|years?|yrs?|y)\b",
    re.I)
_T_PERIOD = re.compile(
    r"\b(?P<period>past|last|previous|preceding|prior|next|coming|following)\s+$", re.I)
_T_OPERATOR = re.compile(
    r"(?:^|(?<=\s)|\b)(?P<op>within|at\s+least|(?:no\s+)?more\s+than|(?:no\s+)?less\s+than|greater\s+than|longer\s+than|"
    r"shorter\s+than|fewer\s+than|over|beyond|up\s+to|a\s+minimum\s+of|minimum\s+of|a\s+maximum\s+of|maximum\s+of|"
    r"≥|>=|>|≤|<=|<)\s*(?:the\s+)?(?:(?:past|last|previous|preceding|prior|next|coming|following|first)\s+)?$",
    re.I)
_T_OP_CLASS = {
    "within": "LTEQ", "at least": "GTEQ", "more than": "GT", "no more than": "LTEQ",
    "less than": "LT", "no less than": "GTEQ", "greater than": "GT", "longer than": "GT",
    "shorter than": "LT", "fewer than": "LT", "over": "GT", "beyond": "GT", "up to": "LTEQ", "a minimum of": "GTEQ",
    "minimum of": "GTEQ", "a maximum of": "LTEQ", "maximum of": "LTEQ",
    "≥": "GTEQ", ">=": "GTEQ", ">": "GT", "≤": "LTEQ", "<=": "LTEQ", "<": "LT",
}
_BARE_LEAD = re.compile(r"[^\n]{0,40}$")  # the words before an amount of time, on its line
_PERIOD_VALUE = {"past": "past", "last": "past", "previous": "past", "preceding": "past",
                 "prior": "past",
                 "next": "future", "coming": "future", "following": "future"}

# fmt: on


def time_unit_value(word: str) -> Optional[str]:
    """'yrs' -> 'year', 'min' -> 'minute', 'daily' -> 'day'; None when not a time word."""
    m = _TIME_UNIT_RX.fullmatch(word.strip())
    if not m:
        return None
    if m.lastgroup == "day" and word.strip() == "D":  # diopters
        return None
    return m.lastgroup


class _Builder:
    """Collects annotations with deduplication; ids are assigned in creation order."""

    def __init__(self, text: str):
        self.text = text
        self.doc = BratDoc()
        self._ent: dict[tuple[str, Frags], str] = {}
        self._attr: dict[tuple[str, str], str] = {}
        self._n = collections.Counter()  # ids stay unique when an entity is dropped

    def entity(self, typ: str, start: int, end: int) -> Optional[str]:
        frags = self._frags(start, end)
        if not frags:
            return None
        key = (typ, frags)
        if key not in self._ent:
            self._n["T"] += 1
            ident = f"T{self._n['T']}"
            shown = " ".join(self.text[s:e] for s, e in frags).replace("\t", " ")
            self.doc.entities[ident] = Entity(ident, typ, frags, shown)
            self._ent[key] = ident
        return self._ent[key]

    def _frags(self, start: int, end: int) -> Frags:
        """Whitespace-trimmed span, split at line breaks (brat keeps one line per annotation)."""
        out = []
        for m in re.finditer(r"[^\n\r]+", self.text[start:end]):
            s, e = start + m.start(), start + m.end()
            while s < e and self.text[s].isspace():
                s += 1
            while e > s and self.text[e - 1].isspace():
                e -= 1
            if e > s:
                out.append((s, e))
        return tuple(out)

    def event(self, typ: str, trigger: str, args: list[tuple[str, str]]) -> str:
        self._n["E"] += 1
        ident = f"E{self._n['E']}"
        self.doc.events[ident] = Event(ident, typ, trigger, _number_roles(args))
        return ident

    def retrigger(self, event: str, start: int, end: int) -> None:
        """Give an event a trigger with new boundaries; the old one goes if nothing else uses it."""
        ev = self.doc.events[event]
        old = self.doc.entities[ev.trigger]
        new = self.entity(old.type, start, end)
        if new is None or new == old.id:
            return
        ev.trigger = new
        if not any(e.trigger == old.id or any(a == old.id for _, a in e.args)
                   for e in self.doc.events.values()):
            del self.doc.entities[old.id]
            del self._ent[(old.type, old.fragments)]

    def drop_event(self, event: str) -> None:
        """Remove an event, references to it, and the entities only it used."""
        ev = self.doc.events.pop(event)
        for other in self.doc.events.values():
            if any(a == event for _, a in other.args):
                other.args = _number_roles([(_base_role(r), a) for r, a in other.args if a != event])
        used = {e.trigger for e in self.doc.events.values()}
        used |= {a for e in self.doc.events.values() for _, a in e.args}
        for ident in [ev.trigger] + [a for _, a in ev.args]:
            ent = self.doc.entities.get(ident)
            if ent is not None and ident not in used:
                del self.doc.entities[ident]
                self._ent.pop((ent.type, ent.fragments), None)
                for key in [k for k, v in self._attr.items() if k[1] == ident]:
                    del self.doc.attributes[self._attr.pop(key)]

    def attribute(self, name: str, target: str, value: Optional[str]) -> None:
        if (name, target) in self._attr:
            return
        self._n["A"] += 1
        ident = f"A{self._n['A']}"
        self.doc.attributes[ident] = Attribute(ident, name, target, value)
        self._attr[(name, target)] = ident


def _number_roles(args: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Value, Value2, Value3 ...: brat numbers a repeated role."""
    seen: collections.Counter = collections.Counter()
    out = []
    for role, target in args:
        seen[role] += 1
        out.append((role if seen[role] == 1 else f"{role}{seen[role]}", target))
    return out


def _trigger_span(b: "_Builder", ev: Event) -> tuple[int, int]:
    trig = b.doc.entities[ev.trigger]
    return trig.start, trig.end


def _add_arg(ev: Event, role: str, target: str, first: bool = False) -> None:
    """Add an argument to an event, renumbering repeated roles (Value, Value2 ...)."""
    args = [(_base_role(r), a) for r, a in ev.args]
    ev.args = _number_roles([(role, target)] + args if first else args + [(role, target)])


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


# fmt: off
_OP_LEAD = re.compile(
    r"(?:years?|yrs?)\s+(?:of\s+age\s+)?|of\s+|a\s+(?=(?:minimum|maximum)\b)", re.I)
_OP_TAIL = re.compile(
    r"(?<=\bequal)\s+to$|(?<=\bminimum)\s+of$|(?<=\bmaximum)\s+of$|\s+(?:the\s+)?ages?(?:\s+of)?$", re.I)
_RANGE_WORD = re.compile(r"\bto\b|\bthrough\b|\buntil\b|\band\b|[-–~]", re.I)
# fmt: on


def _operator_span(text: str, s: int, e: int) -> tuple[int, int]:
    """The comparator words as LCT marks them.

    No "years" before "or older", no "to" after "or equal", no "of" before "at least".
    """
    s, e = _trim(text, s, e)
    while True:
        m = _OP_LEAD.match(text, s, e)
        if not m or m.end() >= e:
            break
        s = m.end()
    m = _OP_TAIL.search(text, s, e)
    if m and m.start() > s:
        e = m.start()
    return _trim(text, s, e)


_ORDINAL_SUFFIX = re.compile(r"(?:st|nd|rd|th)\b", re.I)
_DECIMAL_COMMA = re.compile(r",(\d{1,2})(?!\d)")


def _value_spans(
    text: str, s: int, e: int, n: int, values: tuple = ()
) -> list[tuple[int, int]]:
    """The number tokens of a value span ("18-75" -> "18", "75"); the first n, else [].

    `values`: the record's numbers; a token followed by a decimal comma that makes one of them
    ("BMI ≥18,5") keeps the comma part.
    """
    toks = []
    for m in _NUMBER_TOKEN.finditer(text[s:e]):
        a, z = s + m.start(), s + m.end()
        dec = _DECIMAL_COMMA.match(text, z, e)
        if dec and values and any(
            v is not None and abs(v - float(f"{m.group(0).lstrip('+')}.{dec.group(1)}")) < 1e-9
            for v in values
        ) if re.fullmatch(r"[-+]?\d+", m.group(0)) else False:
            z = dec.end()
        if toks and a < toks[-1][1]:
            continue
        ordinal = _ORDINAL_SUFFIX.match(text, z)  # "less than 5th grade", "> 25th percentile"
        if ordinal and m.group(0)[-1:].isdigit():
            z = ordinal.end()
        toks.append((a, z))
    # a range "18-75": the second token reads "-75"; drop the sign that is the separator
    fixed = []
    for a, b in toks:
        if fixed and text[a] in "-+" and a > fixed[-1][1] - 1:
            a += 1
        fixed.append((a, b))
    if len(fixed) < n:
        return []
    return fixed[:1] + fixed[len(fixed) - n + 1 :] if n > 1 else fixed[:1]


def _unit_parts(text: str, s: int, e: int) -> list[tuple[str, int, int, Optional[str]]]:
    """Split a written unit into (role, start, end, time_value): Unit first, then Per parts."""
    s, e = _trim(text, s, e)
    m = _MULTIPLIER.match(text, s, e)
    while m and m.end() > s:
        s = m.end()
        m = _MULTIPLIER.match(text, s, e)
    # "25-40 kilograms": the upper bound of a range is no part of the unit
    bound = re.match(r"[-–]\s*\d+(?:\.\d+)?\s+(?=[A-Za-zµμ%°])", text[s:e])
    if bound:
        s += bound.end()
    # "3 times a week", "twice per day": what is left after the multiplier is the rate's Per part
    rate = _RATE_LEAD.match(text, s, e)
    if rate:
        s = rate.end()
    # "kg (110 lb)", "years (inclusive)", "mg/dL (at screening)": the unit ends before the "("
    paren = text.find("(", s, e)
    if paren > s:
        e = paren
    s, e = _trim(text, s, e)
    while e > s and text[e - 1] in ").,;:":
        e -= 1
    unit = text[s:e]
    tail = _AGE_TAIL.search(unit)
    if tail and time_unit_value(unit[: tail.start()]):
        e = s + tail.start()
        unit = text[s:e]
    if not unit.strip():
        return []
    if re.search(r"limit|normal|ULN|LLN|ref", unit, re.I):
        pieces = [(s, e)]  # "upper limit of normal", "x ULN": one unit
    else:
        pieces, pos = [], s
        for sep in _UNIT_SPLIT.finditer(text, s, e):
            if sep.start() == sep.end():
                continue
            pieces.append((pos, sep.start()))
            pos = sep.end()
        pieces.append((pos, e))
    out = []
    for a, b in pieces:
        a, b = _trim(text, a, b)
        while b > a and text[b - 1] in ".,;:":
            b -= 1
        if b <= a or _NOT_A_UNIT.fullmatch(text[a:b]):
            continue
        tv = time_unit_value(text[a:b])
        role = "Unit" if not out and not rate else "Per"
        if not out and tv and not rate:
            role = "Temporal-Unit"
        out.append((role, a, b, tv))
    return out


def _add_units(b: _Builder, s: int, e: int, args: list[tuple[str, str]]) -> None:
    for role, a, z, tv in _unit_parts(b.text, s, e):
        tid = b.entity("Eq-Temporal-Unit" if tv else "Eq-Unit", a, z)
        if tid is None:
            continue
        if tv:
            b.attribute("Eq-Temporal-Unit-Value", tid, tv)
        args.append((role, tid))


def _emit_comparison(
    b: _Builder,
    op_span: Optional[tuple[int, int]],
    op_class: Optional[str],
    value_spans: list[tuple[int, int]],
    unit_span: Optional[tuple[int, int]],
) -> Optional[str]:
    """One Eq-Comparison event over operator, values and unit (its span covers them all)."""
    args: list[tuple[str, str]] = []
    pieces: list[tuple[int, int]] = []
    if op_span is not None and op_class:
        tid = b.entity("Eq-Operator", *op_span)
        if tid:
            b.attribute("Eq-Operator-Value", tid, op_class)
            args.append(("Operator", tid))
            pieces.append(op_span)
    for a, z in value_spans:
        tid = b.entity("Eq-Value", a, z)
        if tid:
            args.append(("Value", tid))
            pieces.append((a, z))
    if unit_span is not None:
        n_before = len(args)
        _add_units(b, unit_span[0], unit_span[1], args)
        for _, tid in args[n_before:]:
            ent = b.doc.entities[tid]
            pieces.append((ent.start, ent.end))
    if not pieces:
        return None
    trig = b.entity("Eq-Comparison", min(p[0] for p in pieces), max(p[1] for p in pieces))
    if trig is None:
        return None
    return b.event("Eq-Comparison", trig, args)


# fmt: off
_BOUND_OP = re.compile(
    r"≥|≤|⩾|⩽|>=|<=|=>|=<|>|<"
    r"|(?:equal\s+(?:to\s+)?or\s+)?(?:greater|more|higher|larger|less|lower|fewer|smaller|older|younger)\s+than"
    r"(?:\s+or\s+equal(?:\s+to)?)?"
    r"|(?:more|less|greater)\s+or\s+equal(?:\s+to)?|equal\s+or\s+(?:above|below|over|under)"
    r"|at\s+least|at\s+most|no\s+(?:more|less)\s+than|up\s+to|over|above|under|below", re.I)
# fmt: on


def _bound_class(word: str) -> Optional[str]:
    w = re.sub(r"\s+", " ", word.lower())
    if w in ("≥", "⩾", ">=", "=>", "at least", "no less than"):
        return "GTEQ"
    if w in ("≤", "⩽", "<=", "=<", "at most", "no more than", "up to"):
        return "LTEQ"
    if w in (">", "<"):
        return "GT" if w == ">" else "LT"
    up = re.search(r"greater|more|higher|larger|older|over|above", w) is not None
    eq = "equal" in w
    return ("GTEQ" if eq else "GT") if up else ("LTEQ" if eq else "LT")


def _two_bounds(text: str, c, spans: list[tuple[int, int]]):
    """A range written as two comparisons ("≥ 24 months and ≤ 36 months"), as LCT splits it.

    Returns [(operator span, class, value span, unit span or None)] for both bounds, or None.
    """
    if c.operator != Operator.BETWEEN or c.operator_span is None or len(spans) != 2:
        return None
    os_, oe = _trim(text, c.operator_span.start, c.operator_span.end)
    lead = re.match(r"of\s+", text[os_:oe], re.I)  # "of at least 4 and no more than 8"
    os_ += lead.end() if lead else 0
    ops = list(_BOUND_OP.finditer(text, os_, oe))
    if len(ops) < 2 or ops[0].start() != os_ or ops[-1].end() != oe:
        return None
    first, second = ops[0], ops[-1]
    if not (first.end() <= spans[0][0] and spans[0][1] <= second.start() <= spans[1][0]):
        return None
    # a unit written after the first value too ("24 months and ...")
    gap = re.match(
        r"\s*(.*?)\s*(?:,|\band\b|\bor\b|\bto\b|;)?\s*$", text[spans[0][1] : second.start()]
    )
    unit1 = None
    if gap and gap.group(1) and re.search(r"[A-Za-z%°µμ]", gap.group(1)):
        unit1 = (spans[0][1] + gap.start(1), spans[0][1] + gap.end(1))
    unit2 = (c.unit_span.start, c.unit_span.end) if c.unit_span is not None else None
    return [
        ((first.start(), first.end()), _bound_class(first.group(0)), spans[0], unit1),
        ((second.start(), second.end()), _bound_class(second.group(0)), spans[1], unit2),
    ]


def _comparisons_from_constraint(b: _Builder, c) -> list[str]:
    """Eq-Comparison event(s) of a numeric constraint; none if qualitative or normal range."""
    text = b.text
    if c.operator in (Operator.NORMAL,) or c.value_span is None:
        return []
    if c.value is None and not c.values:
        return []
    vs, ve = c.value_span.start, c.value_span.end
    n = (
        2
        if c.operator == Operator.BETWEEN and c.upper is not None
        else (len(c.values) if c.values else 1)
    )
    spans = _value_spans(text, vs, ve, n, (c.value, c.upper, *(c.values or ())))
    if not spans:
        return []
    bounds = _two_bounds(text, c, spans)
    if bounds:
        ids = [_emit_comparison(b, op, cls, [v], u) for op, cls, v, u in bounds]
        return [i for i in ids if i]
    op_class = _OP_CLASS.get(c.operator)
    if (
        c.operator == Operator.APPROX
        and c.operator_span is not None
        and _PLUS_MINUS.search(c.operator_span.text)
    ):
        op_class = "PLUS-MINUS"
    op_span = None
    if c.operator_span is not None and op_class and c.operator != Operator.IN:
        op_span = _operator_span(text, c.operator_span.start, c.operator_span.end)
        if (
            c.operator == Operator.BETWEEN
            and len(spans) == 2
            and text[op_span[0] : op_span[1]].lower() == "from"
        ):
            # "from 18 to 65": LCT marks the separator, not "from"
            sep = _RANGE_WORD.search(text, spans[0][1], spans[1][0])
            op_span = (sep.start(), sep.end()) if sep else None
    if op_span is not None and text[op_span[0]:op_span[1]] == "+" and text[op_span[1]:op_span[1] + 1].isdigit():
        return []  # "groups 1+2": a sum, not "1 or more"
    unit = (c.unit_span.start, c.unit_span.end) if c.unit_span is not None else None
    bound = _RANGE_THEN_BOUND.fullmatch(text, *op_span) if op_span is not None and len(spans) == 2 else None
    if bound:  # "4 to < 17": the range word and the upper bound's sign are two operators
        op_span = bound.span("r")
    eid = _emit_comparison(b, op_span, op_class, spans, unit)
    if eid and bound:
        tid = b.entity("Eq-Operator", *bound.span("o"))
        if tid:
            b.attribute("Eq-Operator-Value", tid, _bound_class(bound.group("o")))
            _add_arg(b.doc.events[eid], "Operator", tid)
    if eid and unit is not None and len(spans) == 2:
        _first_bound_unit(b, eid, spans, unit)
    if (
        eid
        and op_span is not None
        and len(spans) == 2
        and text[op_span[0] : op_span[1]].lower() == "between"
    ):
        # "between 18-65", "between 18 to 25 years": LCT marks the separator as an operator too
        sep = re.fullmatch(r"[ \t]*(-|–|to)[ \t]*", text[spans[0][1] : spans[1][0]], re.I)
        gap = spans[0][1]
        tid = b.entity("Eq-Operator", gap + sep.start(1), gap + sep.end(1)) if sep else None
        if tid:
            b.attribute("Eq-Operator-Value", tid, "BETWEEN")
            ev = b.doc.events[eid]
            _add_arg(ev, "Operator", tid)
    return [eid] if eid else []


_RANGE_THEN_BOUND = re.compile(r"(?P<r>to|-|–)[ \t]*(?P<o>[<>≤≥]=?)")
_FIRST_UNIT = re.compile(r"[ \t]*(?P<u>%|[A-Za-zµμ]+(?:/[A-Za-z0-9]+)*)")


def _first_bound_unit(
    b: _Builder, eid: str, spans: list[tuple[int, int]], unit: tuple[int, int]
) -> None:
    """"between 7% and 11%", "between 25 years and 60 years": the unit written after the first
    value too is a second unit argument of the comparison."""
    text = b.text
    m = _FIRST_UNIT.match(text, spans[0][1], spans[1][0])
    if not m:
        return
    first, last = m.group("u").lower(), text[unit[0] : unit[1]].strip().lower()
    same_time = time_unit_value(first) and time_unit_value(first) == time_unit_value(last)
    if first != last and not same_time:
        return
    ev = b.doc.events[eid]
    new: list[tuple[str, str]] = []
    _add_units(b, m.start("u"), m.end("u"), new)
    if new:
        role, tid = new[0]
        _add_arg(ev, "Unit" if role == "Per" else role, tid)


def _comparison_from_temporal(b: _Builder, t) -> Optional[str]:
    """Eq-Comparison event for a temporal window with an amount ("within the past 6 months").

    With no operator before the amount, a trailing one is the operator ("2 hours or longer").
    """
    if t is None or t.amount is None:
        return None
    text = b.text
    m = _T_AMOUNT.search(text, t.start, t.end)
    if not m:
        return _unit_only_comparison(b, t)
    args: list[tuple[str, str]] = []
    start = m.start("amount")
    # the operator may stand before the window our record found ("< 12 months prior to")
    lead = _BARE_LEAD.search(text, 0, m.start())
    p0 = min(t.start, lead.start()) if lead else t.start
    prefix = text[p0 : m.start()]
    period = _T_PERIOD.search(prefix)
    op = _T_OPERATOR.search(prefix)
    if op:
        word = re.sub(r"\s+", " ", op.group("op").lower())
        # "a minimum of 12 months": LCT's operator is "minimum", the comparison starts at it
        os_, oe = _operator_span(text, p0 + op.start("op"), p0 + op.end("op"))
        tid = b.entity("Eq-Operator", os_, oe)
        if tid:
            b.attribute("Eq-Operator-Value", tid, _T_OP_CLASS.get(word, "LTEQ"))
            args.append(("Operator", tid))
            start = os_
    if period:
        pw = period.group("period").lower()
        tid = b.entity(
            "Eq-Temporal-Period", p0 + period.start("period"), p0 + period.end("period")
        )
        if tid:
            b.attribute("Eq-Temporal-Period-Value", tid, _PERIOD_VALUE.get(pw, "past"))
            args.append(("Temporal-Period", tid))
            if not op:
                start = p0 + period.start("period")
    for g in ("amount", "upper"):
        if m.group(g):
            tid = b.entity("Eq-Value", m.start(g), m.end(g))
            if tid:
                args.append(("Value", tid))
    if m.group("upper") and m.group("sep") and m.group("sep").lower() != "or":
        # "2-7 days", also after an operator ("within 24-48 hours"): the separator is one too
        tid = b.entity("Eq-Operator", m.start("sep"), m.end("sep"))
        if tid:
            b.attribute("Eq-Operator-Value", tid, "BETWEEN")
            args.insert(1 if op else 0, ("Operator", tid))
    tv = time_unit_value(m.group("unit")) or t.unit
    tid = b.entity("Eq-Temporal-Unit", m.start("unit"), m.end("unit"))
    if tid:
        if tv:
            b.attribute("Eq-Temporal-Unit-Value", tid, tv)
        args.append(("Temporal-Unit", tid))
    end = m.end("unit")
    tail = None if op else _BARE_TAIL.match(text, end)  # "2 weeks or more before the start"
    if tail is not None:
        tid = b.entity("Eq-Operator", tail.start("op"), tail.end("op"))
        if tid:
            up = tail.group("w").lower() in ("more", "longer", "greater", "older", "over")
            b.attribute("Eq-Operator-Value", tid, "GTEQ" if up else "LTEQ")
            args.insert(0, ("Operator", tid))
            end = tail.end("op")
    trig = b.entity("Eq-Comparison", start, end)
    if trig is None:
        return None
    return b.event("Eq-Comparison", trig, args)


_T_UNIT_ONLY = re.compile(
    r"(?:(?P<op>within)\s+)?(?:the\s+)?(?P<period>past|last|previous|preceding|prior|next|coming|following)[\s-]+"
    r"(?P<unit>year|month|week|day|hour)\b", re.I)


def _unit_only_comparison(b: _Builder, t) -> Optional[str]:
    """"within the past month", "in the last year": a window of one unit, written without a number.

    LCT marks the comparison from the operator (or the period word) to the unit, with no value.
    """
    m = _T_UNIT_ONLY.search(b.text, t.start, t.end)
    if not m:
        return None
    return _unit_only_window(b, m)


def _unit_only_window(b: _Builder, m: re.Match) -> Optional[str]:
    args: list[tuple[str, str]] = []
    if m.group("op"):
        tid = b.entity("Eq-Operator", m.start("op"), m.end("op"))
        if tid:
            b.attribute("Eq-Operator-Value", tid, _T_OP_CLASS["within"])
            args.append(("Operator", tid))
    tid = b.entity("Eq-Temporal-Period", m.start("period"), m.end("period"))
    if tid:
        b.attribute("Eq-Temporal-Period-Value", tid, _PERIOD_VALUE[m.group("period").lower()])
        args.append(("Temporal-Period", tid))
    tid = b.entity("Eq-Temporal-Unit", m.start("unit"), m.end("unit"))
    if tid:
        tv = time_unit_value(m.group("unit"))
        if tv:
            b.attribute("Eq-Temporal-Unit-Value", tid, tv)
        args.append(("Temporal-Unit", tid))
    start = m.start("op") if m.group("op") else m.start("period")
    trig = b.entity("Eq-Comparison", start, m.end("unit"))
    return b.event("Eq-Comparison", trig, args) if trig else None


# "patients on dialysis", "- On insulin": "on" is LCT's present period (32 of 39 in the dev part)
_ON_PRESENT = re.compile(
    r"(?:(?:^|\n)[ \t]*(?:[-*•]|\d+[.)])?[ \t]*|\b(?:patients?|subjects?|those|participants?|women|men|"
    r"individuals|females|males|people|persons?|children|is|are|be|being|if|or)\s+)"
    r"(?P<c>on)\s+(?!the\b|a\s+(?:day|regular\s+basis)\b|average\b|MRI\b|\d)", re.I)
# "moderate to severe", "moderate-severe": a range of severities is an Eq-Comparison (operator "to";
# 14 of 15 in the dev part); the adjective "moderate-to-severe" is not (1 of 4)
_SEVERITY_RANGE = re.compile(
    r"\b(?P<a>mild|moderate|severe)(?P<op>\s+to\s+|\s*-\s*)(?P<b>moderate|severe|high)\b(?!-)", re.I)


# "under treatment", "patient under chronic dialysis": "under" is the present period too (dev: 6 of 7)
_UNDER_PRESENT = re.compile(
    r"\b(?P<c>under)\s+(?:[A-Za-z-]+\s+)?(?:treatment|therapy|dialysis|medication|anticoagulation)\b", re.I)


# "in the past", "past or present history", "no past pregnancy": "past" without an amount of time
# after it is the past period (dev: 5 of 6)
_PAST_ALONE = re.compile(
    r"\b(?P<c>past)\b(?![\s-]+(?:\d|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|few|"
    r"several|half|couple|years?|months?|weeks?|days?|hours?|decades?|medical|history)\b|[\w-]+\s+(?:years?|"
    r"months?|weeks?|days?|hours?)\b))", re.I)


# "as indicated by medical history", "a detailed medical history": the history as a source of
# information is no period (dev: 5 of 5 unmarked)
_HISTORY_SOURCE = re.compile(
    r"(?:\b(?:indicated|based|determined|assessed|judged|documented|confirmed|established)\s+(?:on|by|from)"
    r"|\b(?:detailed|complete|full|thorough|careful)\s+)\s*(?:(?:the|a|their)\s+)?(?:(?:medical|clinical)\s+)?$",
    re.I)


def _on_present(text: str, start: int, end: int) -> list[tuple[int, int]]:
    found = [(m.start("c"), m.end("c")) for m in _ON_PRESENT.finditer(text, max(0, start - 1), end)
             if start <= m.start("c") < end]
    return found + [(m.start("c"), m.end("c")) for m in _UNDER_PRESENT.finditer(text, start, end)]


def _severity_range(b: _Builder, m: re.Match) -> None:
    """"moderate to severe": Eq-Comparison with the two severities as values, operator "to" BETWEEN."""
    args: list[tuple[str, str]] = []
    op = m.group("op").strip(" -") if m.group("op").strip(" -") else m.group("op").strip()
    op_s = m.start("op") + m.group("op").find(op)
    for g in ("a", "b"):
        if g == "b" and op.lower() == "to":
            tid = b.entity("Eq-Operator", op_s, op_s + len(op))
            if tid:
                b.attribute("Eq-Operator-Value", tid, "BETWEEN")
                args.append(("Operator", tid))
        tid = b.entity("Severity", m.start(g), m.end(g))
        if tid:
            word = m.group(g).lower()
            b.attribute("Severity-Value", tid, "severe" if word == "high" else word)
            args.append(("Value", tid))
    trig = b.entity("Eq-Comparison", m.start(), m.end())
    if trig:
        b.event("Eq-Comparison", trig, args)


# "at least moderate", "moderate or higher": one severity with a bound is an Eq-Comparison too, the
# bound its operator and the severity its value (dev: 3 of 3)
_SEVERITY_BOUND = re.compile(
    r"\b(?:(?P<op>at\s+least|at\s+most)\s+(?P<a>mild|moderate|severe)"
    r"|(?P<a2>mild|moderate|severe)\s+(?P<op2>or\s+(?:higher|greater|worse|more|above|less|lower|below)))\b", re.I)


def _unclaimed(b: _Builder, lines: list[tuple[int, int]], *patterns: re.Pattern):
    """Per line, the matches of each pattern in turn that overlap no comparison: none found before
    the call, none the caller has added since (it appends their spans to the list yielded along)."""
    taken = [(e.start, e.end) for e in b.doc.entities.values() if e.type == "Eq-Comparison"]
    for ls, le in lines:
        for i, rx in enumerate(patterns):
            for m in rx.finditer(b.text, ls, le):
                if not _overlapping(m.span(), taken):
                    yield i, m, taken


def _severity_bounds(b: _Builder, lines: list[tuple[int, int]]) -> None:
    for _, m, taken in _unclaimed(b, lines, _SEVERITY_BOUND):
        og, vg = ("op", "a") if m.group("op") else ("op2", "a2")
        op = b.entity("Eq-Operator", m.start(og), m.end(og))
        val = b.entity("Severity", m.start(vg), m.end(vg))
        trig = b.entity("Eq-Comparison", m.start(), m.end())
        if not (op and val and trig):
            continue
        word = re.sub(r"\s+", " ", m.group(og).lower())
        up = word == "at least" or re.search(r"higher|greater|worse|more|above", word) is not None
        b.attribute("Eq-Operator-Value", op, "GTEQ" if up else "LTEQ")
        b.attribute("Severity-Value", val, m.group(vg).lower())
        b.event("Eq-Comparison", trig, [("Operator", op), ("Value", val)])
        taken.append(m.span())


# "for 6 weeks", "(42 months)", "2 hours or longer": an amount of time that no record kept
_BARE_NOT_TIME = re.compile(r"\d\s*D\b|one\s+second", re.I)  # "3D scan", "volume in one second"
_BARE_TAIL = re.compile(
    r"\s+(?P<op>(?:or|and)\s+(?P<w>more|longer|greater|older|over|less|shorter|younger|fewer))\b", re.I)


def _bare_duration(b: _Builder, m: re.Match) -> Optional[str]:
    """Eq-Comparison for an amount of time outside any window or constraint of our records.

    LCT marks every duration ("for 24 weeks", "30-day readmission"); an operator or period word
    right before it ("less than 36 months", "the next 6 months") or a trailing "or longer" is part
    of it, as in a window.
    """
    return _comparison_from_temporal(b, FoundTemporal("bare", m.start(), m.end(), 1.0))


# "NYHA class III or IV", "stage 1-3", "greater than grade I": the class word is an Eq-Unit of
# the comparison, which starts at it (53 of 74 such words in the dev part)
_CLASS_WORD = re.compile(r"\b(?P<w>class|stages?|grades?|grading|axis|classification)\b[ \t-]*", re.I)
_CLASS_VALUE = re.compile(r"(?-i:(?:IV|IX|VI{0,3}|I{1,3}|X)[a-cA-C]?|[0-9][a-c]?|[Ⅰ-Ⅻ])(?!\w)")
_CLASS_SEP = re.compile(r"[ \t]*(?P<s>-|–|to|or|and|,(?:[ \t]*(?:or|and))?|&)[ \t]*", re.I)
# with a roman value only: "GMFCS levels I-III", "ASA category I or II", "group III"
_ROMAN_AHEAD = r"(?=(?-i:(?:IV|IX|VI{0,3}|I{1,3}|X)[a-cA-C]?|[Ⅰ-Ⅻ])(?!\w))"
_ROMAN_CLASS_WORD = re.compile(rf"\b(?P<w>levels?|category|group|condition)\b[ \t]*{_ROMAN_AHEAD}", re.I)
_ROMAN_SCALE = re.compile(rf"\b(?P<w>ASA|NYHA)[ \t]*{_ROMAN_AHEAD}")
_BOUND_BEFORE = re.compile(rf"(?:{_BOUND_OP.pattern})(?=[ \t]*$)", re.I)
_CLASS_OP = re.compile(r"(?:[<>≤≥]=?|=)[ \t]*")


Span2 = tuple[int, int]


def _class_values(text: str, pos: int) -> tuple[Optional[Span2], list[Span2], Optional[Span2]]:
    """(operator, values, range separator) of "III or IV", "1-3", "> 2" at pos; no values: ([])."""
    op = _CLASS_OP.match(text, pos)
    if op:
        pos = op.end()
    vals: list[tuple[int, int]] = []
    sep_span = None
    v = _CLASS_VALUE.match(text, pos)
    while v:
        vals.append((v.start(), v.end()))
        sep = _CLASS_SEP.match(text, v.end())
        nxt = _CLASS_VALUE.match(text, sep.end()) if sep else None
        if not nxt:
            break
        if sep.group("s") in ("-", "–", "to", "TO", "To") and len(vals) == 1:
            sep_span = (sep.start("s"), sep.end("s"))
        v = nxt
    if len(vals) != 2:
        sep_span = None
    op_span = (op.start(), op.start() + len(op.group(0).rstrip())) if op else None
    return op_span, vals, sep_span


def _class_comparisons(b: _Builder, lines: list[tuple[int, int]]) -> None:
    text = b.text
    comparisons = [ev for ev in b.doc.events.values() if ev.type == "Eq-Comparison"]
    for ls, le in lines:
        found = [(m, True) for rx in (_CLASS_WORD, _ROMAN_CLASS_WORD) for m in rx.finditer(text, ls, le)]
        found += [(m, False) for m in _ROMAN_SCALE.finditer(text, ls, le)]
        for m, is_unit in sorted(found, key=lambda f: f[0].start()):
            spans = [(ev, _trigger_span(b, ev)) for ev in comparisons]
            if any(a <= m.start("w") < z for _, (a, z) in spans):
                continue
            after = [ev for ev, (a, _) in spans if a == m.end()]
            if not is_unit:  # "ASA I or II": the scale's name is no unit, the values are the comparison
                op, vals, sep = _class_values(text, m.end())
                if after or not vals:
                    continue
                args = [("Value", tid) for tid in (b.entity("Eq-Value", a, z) for a, z in vals) if tid]
                if sep and (tid := b.entity("Eq-Operator", *sep)):
                    b.attribute("Eq-Operator-Value", tid, "BETWEEN")
                    args.insert(0, ("Operator", tid))
                trig = b.entity("Eq-Comparison", vals[0][0], vals[-1][1])
                if trig and op is None:
                    comparisons.append(b.doc.events[b.event("Eq-Comparison", trig, args)])
                continue
            if after:
                ev = after[0]
                uid = b.entity("Eq-Unit", m.start("w"), m.end("w"))
                if uid and not any(_base_role(r) == "Unit" for r, _ in ev.args):
                    _add_arg(ev, "Unit", uid)
                b.retrigger(ev.id, m.start("w"), b.doc.entities[ev.trigger].end)
                continue
            op, vals, sep = _class_values(text, m.end())
            if not vals:
                continue
            start = m.start("w")
            before = _BOUND_BEFORE.search(text, ls, m.start("w"))
            if op is None and before:  # "greater than grade I"
                op, start = (before.start(), before.end()), before.start()
            args: list[tuple[str, str]] = []
            uid = b.entity("Eq-Unit", m.start("w"), m.end("w"))
            if uid:
                args.append(("Unit", uid))
            for span, cls in ((op, _bound_class(text[op[0]:op[1]]) if op else None), (sep, "BETWEEN")):
                if span and cls:
                    tid = b.entity("Eq-Operator", *span)
                    if tid:
                        b.attribute("Eq-Operator-Value", tid, cls)
                        args.append(("Operator", tid))
            for a, z in vals:
                tid = b.entity("Eq-Value", a, z)
                if tid:
                    args.append(("Value", tid))
            trig = b.entity("Eq-Comparison", start, vals[-1][1])
            if trig:
                comparisons.append(b.doc.events[b.event("Eq-Comparison", trig, args)])


# "> 140/90", "> 4/10": the number after the slash is the comparison's second value; not the
# denominator of a unit ("5/10 mg"), but a word after it is no unit ("> 4/10 on the VAS")
_SLASH_VALUE = re.compile(
    r"[ \t]*/[ \t]*(?P<v>\d+(?:\.\d+)?)(?![\d.]*(?:[ \t]*[%µμ/×]|[A-Za-z]|[ \t]+(?:x|mm|mg|ml|g|kg|cm|m|"
    r"mmol|[µμu]mol|nmol|U|IU|L|dL|d[lL]|l|mcg|ng|pg|cells)\b))"
    r"|[ \t]*/[ \t]*(?P<u>\d+)(?=[ \t]*mm[ \t]*Hg)")


def _slash_values(b: _Builder) -> None:
    text = b.text
    for ev in list(b.doc.events.values()):
        if ev.type != "Eq-Comparison":
            continue
        values = [b.doc.entities[a] for r, a in ev.args if _base_role(r) == "Value"]
        if len(values) != 1:
            continue
        m = _SLASH_VALUE.match(text, values[0].end)
        if not m:
            continue
        g = "v" if m.group("v") else "u"
        tid = b.entity("Eq-Value", m.start(g), m.end(g))
        if tid is None:
            continue
        roles = [(_base_role(r), a) for r, a in ev.args]
        k = max(i for i, (r, _) in enumerate(roles) if r == "Value")
        ev.args = _number_roles(roles[: k + 1] + [("Value", tid)] + roles[k + 1 :])
        trig = b.doc.entities[ev.trigger]
        if m.end(g) > trig.end:
            b.retrigger(ev.id, trig.start, m.end(g))


# "at least one of the following", "at least twice": a count written as a word (29 of 30 marked)
_AT_LEAST_COUNT = re.compile(
    r"\b(?P<op>at\s+least)\s+(?P<v>one|two|three|four|five|six|seven|eight|nine|ten|once|twice)\b"
    r"(?!\s+(?:years?|months?|weeks?|days?|hours?)\b)", re.I)


# a count written as a word ("two parents in the home", "one of the following", "single living
# fetus"): its own Eq-Comparison with the word as value (dev: 36 of 55 such words are a value);
# not in compounds ("five-part", "one-lung"), "one of the (three) <places>", "type one", "one second"
_WORD_COUNT = re.compile(
    r"(?<![-‐])(?<!type )(?<!any )(?<!of the )\b(?P<v>one|two|three|four|five|six|seven|eight|nine|ten|single|double|"
    r"twice|once)\b(?![-‐])(?!\s+(?:or\s+more\s+)?of\s+the\s+(?!following))(?!\s+second\b)", re.I)


def _count_comparisons(b: _Builder, lines: list[tuple[int, int]]) -> None:
    for i, m, taken in _unclaimed(b, lines, _AT_LEAST_COUNT, _WORD_COUNT):
        if i == 0:  # "at least two"
            op = b.entity("Eq-Operator", m.start("op"), m.end("op"))
            val = b.entity("Eq-Value", m.start("v"), m.end("v"))
            trig = b.entity("Eq-Comparison", m.start(), m.end())
            if op and val and trig:
                b.attribute("Eq-Operator-Value", op, "GTEQ")
                b.event("Eq-Comparison", trig, [("Operator", op), ("Value", val)])
                taken.append(m.span())
        else:  # "two parents"
            val = b.entity("Eq-Value", m.start("v"), m.end("v"))
            trig = b.entity("Eq-Comparison", m.start("v"), m.end("v"))
            if val and trig:
                b.event("Eq-Comparison", trig, [("Value", val)])
                taken.append(m.span())


# "multiple pregnancy", "multiple metastases", "for multiple hours": "multiple" is a count of more
# than one, LCT's comparison with the word as its operator (GT) and no value (dev: 11 of 14 outside
# disease names); a time unit right after it is the comparison's unit
_MULTIPLE = re.compile(
    r"\b(?P<op>multiple)\b(?![\s-]+(?:sclerosis|myeloma|system\s+atrophy|endocrine|organ|choice|"
    r"regression|logistic|imputation|comparisons?|testing|personality|chemical)\b)"
    r"(?:[ \t]+(?P<unit>seconds|minutes|hours|days|weeks|months|years)\b)?", re.I)


def _multiple_comparisons(b: _Builder, lines: list[tuple[int, int]]) -> None:
    for _, m, taken in _unclaimed(b, lines, _MULTIPLE):
        op = b.entity("Eq-Operator", m.start("op"), m.end("op"))
        if op is None:
            continue
        b.attribute("Eq-Operator-Value", op, "GT")
        args = [("Operator", op)]
        if m.group("unit"):
            uid = b.entity("Eq-Temporal-Unit", m.start("unit"), m.end("unit"))
            if uid:
                b.attribute("Eq-Temporal-Unit-Value", uid, time_unit_value(m.group("unit")) or "day")
                args.append(("Temporal-Unit", uid))
        trig = b.entity("Eq-Comparison", m.start(), m.end())
        if trig:
            b.event("Eq-Comparison", trig, args)
            taken.append(m.span())


# Eq-Temporal-Recency: "first dose", "onset", "newly diagnosed" (dev: "first" 27 of 28 with these
# exclusions, the other words 27 of 41); not ordinals of other things ("first-degree relative",
# "first molar", "first-line", "first language", "first trimester")
# "the last dose", "new onset", "a new antidepressant": "last" outside a window (not before an
# amount or a time unit) is the most recent time (dev: 5 of 6), "new" outside a proper name the
# first (5 of 6)
_RECENCY = re.compile(
    r"\b(?:first(?:[\s-]+(?:time|ever))?\b(?![\s-]*(?:degree|molars?|line|language|trimester|class|part|"
    r"and\s+second|or\s+second|,))|new(?:\s+onset)?(?!(?-i:\s+[A-Z]))|onset|newly|initiation|initial|beginning"
    r"|(?P<last>last)(?:\s+time)?(?!\s+(?:\d|(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|few|"
    r"several|half|couple|years?|months?|weeks?|days?|hours?|minutes?|nights?|decades?)\b|[\w-]+\s+(?:years?|"
    r"months?|weeks?|days?|hours?)\b)))\b", re.I)


def _recency_comparisons(b: _Builder, lines: list[tuple[int, int]]) -> None:
    """The recency word is an Eq-Comparison with its Eq-Temporal-Recency (first-time); right before
    a window ("within the first 24 hours") it joins that comparison."""
    text = b.text
    comparisons = [ev for ev in b.doc.events.values() if ev.type == "Eq-Comparison"]
    for ls, le in lines:
        for m in _RECENCY.finditer(text, ls, le):
            trigs = [(ev, b.doc.entities[ev.trigger]) for ev in comparisons]
            inside = [ev for ev, t in trigs if t.start <= m.start() < t.end]
            if inside and not any(_base_role(r) == "Temporal-Unit" for r, _ in inside[0].args):
                continue
            rid = b.entity("Eq-Temporal-Recency", m.start(), m.end())
            if rid is None:
                continue
            b.attribute("Eq-Temporal-Recency-Value", rid, "most-recent-time" if m.group("last") else "first-time")
            if inside:  # "within the first 24 hours"
                _add_arg(inside[0], "Temporal-Recency", rid)
                continue
            after = next((ev for ev, t in trigs if t.start > m.end() and
                          re.fullmatch(r"[ \t]+", text[m.end():t.start])), None)
            if after is not None and any(_base_role(r) == "Temporal-Unit" for r, _ in after.args):
                _add_arg(after, "Temporal-Recency", rid, first=True)
                b.retrigger(after.id, m.start(), b.doc.entities[after.trigger].end)
                continue
            trig = b.entity("Eq-Comparison", m.start(), m.end())
            if trig:
                eid = b.event("Eq-Comparison", trig, [("Temporal-Recency", rid)])
                comparisons.append(b.doc.events[eid])


# "at least 2 sites", "more than 10 cigarettes", "≥34 letters": the counted things written right
# after a comparison's number are its unit (dev: 11 of 12 such plural nouns after an operator)
_COUNT_NOUN = re.compile(r"[ \t]+(?P<u>[a-z]{3,}(?<!ous)(?<!ss)(?<!is)(?<!us)(?<!ics)(?<!ward)s)\b(?![-‐])")
_NOT_COUNT_NOUN = frozenset(
    "times others patients subjects participants persons people children adults women men individuals "
    "cases previous various serious consecutive successive days weeks months years hours minutes seconds "
    "mins hrs yrs secs wks decades this thus plus less unless".split())


# "< 10th percentile", "less than 8th grade": the scale of an ordinal value is its unit too
_ORDINAL_SCALE = re.compile(
    r"[ \t]+(?P<u>percentile|centile|grade|trimester|decile|quartile|quintile|tertile)\b", re.I)


def _count_units(b: _Builder) -> None:
    text = b.text
    for ev in [e for e in b.doc.events.values() if e.type == "Eq-Comparison"]:
        roles = [(_base_role(r), a) for r, a in ev.args]
        names = {r for r, _ in roles}
        if "Operator" not in names or "Value" not in names or names & {"Unit", "Temporal-Unit", "Per"}:
            continue
        trig = b.doc.entities[ev.trigger]
        last = max((b.doc.entities[a] for r, a in roles if r == "Value"), key=lambda e: e.end)
        if last.end != trig.end:
            continue
        m = _ORDINAL_SCALE.match(text, trig.end) if _ORDINAL_SUFFIX.search(last.text) else None
        m = m or _COUNT_NOUN.match(text, trig.end)
        if not m or m.group("u") in _NOT_COUNT_NOUN or time_unit_value(m.group("u")):
            continue
        uid = b.entity("Eq-Unit", m.start("u"), m.end("u"))
        if uid is None:
            continue
        _add_arg(ev, "Unit", uid)
        b.retrigger(ev.id, trig.start, m.end("u"))


# "<1 ml/kg/h", "<30kg.m2", "18.5-29.9 kg∙m-2": a compound unit that no record read, written right
# after a comparison's number; LCT marks each part, the first as Unit, the others as Per
_COMPOUND_UNIT = re.compile(
    r"[ \t]?(?P<u>[A-Za-zµμ]{1,6}(?:(?:[ \t]*/[ \t]*|[.∙·])(?:\d+(?:\.\d+)?[ \t]*)?[A-Za-zµμ]{1,6}[0-9²³]?"
    r"(?:-[0-9])?)+)(?![\w/.∙·-]*[A-Za-z0-9])")
_COMPOUND_SEP = re.compile(r"[ \t]*/[ \t]*|[.∙·]")


def _compound_units(b: _Builder) -> None:
    text = b.text
    for ev in [e for e in b.doc.events.values() if e.type == "Eq-Comparison"]:
        roles = {_base_role(r) for r, _ in ev.args}
        if "Value" not in roles or roles & {"Unit", "Temporal-Unit", "Per"}:
            continue
        trig = b.doc.entities[ev.trigger]
        m = _COMPOUND_UNIT.match(text, trig.end)
        if not m:
            continue
        pos, parts = m.start("u"), []
        for sep in _COMPOUND_SEP.finditer(text, m.start("u"), m.end("u")):
            parts.append((pos, sep.start()))
            pos = sep.end()
        parts.append((pos, m.end("u")))
        if any(_NOT_A_UNIT.fullmatch(text, a, z) for a, z in parts):  # "≥ 18 and/or"
            continue
        for k, (a, z) in enumerate(parts):
            tv = time_unit_value(text[a:z]) if k else None
            tid = b.entity("Eq-Temporal-Unit" if tv else "Eq-Unit", a, z)
            if tid is None:
                continue
            if tv:
                b.attribute("Eq-Temporal-Unit-Value", tid, tv)
            _add_arg(ev, "Per" if k else "Unit", tid)
        b.retrigger(ev.id, trig.start, m.end("u"))


# "8 cm H2O": LCT marks the length and the liquid as two units when a space parts them (3 of 3 in
# the dev part; "cmH2O" written together is one unit, "mm Hg" one unit either way)
_WATER_COLUMN = re.compile(r"(?P<cm>cm)[ \t]+(?P<w>H2O|H20)\b", re.I)


def _water_column_units(b: _Builder) -> None:
    text = b.text
    for ev in [e for e in b.doc.events.values() if e.type == "Eq-Comparison"]:
        units = [(r, a) for r, a in ev.args if _base_role(r) == "Unit"]
        if len(units) != 1:
            continue
        unit = b.doc.entities[units[0][1]]
        m = _WATER_COLUMN.match(text, unit.start)
        if not m or unit.end not in (m.end("cm"), m.end()):
            continue
        cm = b.entity("Eq-Unit", m.start("cm"), m.end("cm"))
        water = b.entity("Eq-Unit", m.start("w"), m.end("w"))
        if not (cm and water):
            continue
        ev.args = _number_roles([(_base_role(r), a) for r, a in ev.args if a != unit.id]
                                + [("Unit", cm), ("Unit", water)])
        if unit.id not in (cm, water) and not any(
                unit.id == x.trigger or any(a == unit.id for _, a in x.args) for x in b.doc.events.values()):
            del b.doc.entities[unit.id]
            b._ent.pop((unit.type, unit.fragments), None)
        trig = b.doc.entities[ev.trigger]
        if m.end() > trig.end:
            b.retrigger(ev.id, trig.start, m.end())


# "below the lower limit of normal", "within the normal range", "above upper normal limit": a bound
# set by the reference range is a comparison, the bound word its operator and the reference its
# unit (dev: 4 exact and 1 overlapping of 6)
_REFERENCE_BOUND = re.compile(
    r"\b(?P<op>below|above|within|less\s+than|greater\s+than|under|over|exceeding)\s+(?:the\s+)?"
    r"(?P<u>(?:lower|upper)\s+limits?\s+of\s+(?:the\s+)?normal(?:\s+(?:range|values?))?"
    r"|(?:lower|upper|highest|lowest)\s+(?:normal\s+limit|limit|reference\s+value)"
    r"|normal(?:\s+reference)?\s+(?:ranges?|limits?|values?)|normal\b(?!\s+\w+\s+(?:limits?|ranges?)\b)"
    r"|reference\s+range)", re.I)


def _reference_comparisons(b: _Builder, lines: list[tuple[int, int]]) -> None:
    low = b.text.lower()
    if "normal" not in low and "limit" not in low and "reference" not in low:
        return
    for _, m, taken in _unclaimed(b, lines, _REFERENCE_BOUND):
        word = re.sub(r"\s+", " ", m.group("op").lower())
        cls = "LTEQ" if word == "within" else _bound_class(word)
        if _emit_comparison(b, m.span("op"), cls, [], m.span("u")):
            taken.append(m.span())


# "within 5 half-lives", "5 PK half-lives": a number of half-lives is a comparison with the
# half-lives as its unit (dev: 4 of 4)
_HALF_LIVES_AMOUNT = re.compile(
    r"(?:(?P<op>within|<|≤|>|≥|less\s+than|more\s+than|at\s+least)[ \t]*(?:the[ \t]+)?)?"
    r"(?P<v>\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten)[ \t]+"
    r"(?:(?:elimination|plasma|terminal)[ \t]+)?(?P<u>(?:PK[ \t]+)?half[- ]?li(?:fe|ves))\b", re.I)


def _half_lives_comparisons(b: _Builder, lines: list[tuple[int, int]]) -> None:
    if "half" not in b.text.lower():
        return
    for ls, le in lines:
        for m in _HALF_LIVES_AMOUNT.finditer(b.text, ls, le):
            span = m.span()
            clash = [ev for ev in b.doc.events.values() if ev.type == "Eq-Comparison"
                     and _overlapping(span, [_trigger_span(b, ev)])]
            if any(not (span[0] <= _trigger_span(b, ev)[0] and _trigger_span(b, ev)[1] <= span[1])
                   or any(e.type in ("Observation", "Age") and any(a == ev.id for _, a in e.args)
                          for e in b.doc.events.values())
                   for ev in clash):
                continue
            for ev in clash:
                b.drop_event(ev.id)
            op = m.span("op") if m.group("op") else None
            word = re.sub(r"\s+", " ", m.group("op").lower()) if op else ""
            cls = _T_OP_CLASS.get(word) or (_bound_class(word) if op else None)
            _emit_comparison(b, op, cls, [m.span("v")], m.span("u"))


# "≥ 33 gestational weeks", "≥6 consecutive weeks", "3 or more years": a time unit written after
# a comparison that no record gave a unit is its temporal unit and inside it; so is "years" of
# "pack-years" ("> 10 pack years": "pack" unmarked, 2 of 2 in dev)
_TIME_AFTER = re.compile(
    r"[ \t]*(?:(?:consecutive|successive|gestational|calendar|completed|full)[ \t]+|pack[ \t-]?)*"
    r"(?P<u>seconds?|minutes?|hours?|days?|weeks?|months?|years?)\b(?![-‐])", re.I)


def _time_units_after(b: _Builder) -> None:
    text = b.text
    for ev in [e for e in b.doc.events.values() if e.type == "Eq-Comparison"]:
        roles = {_base_role(r) for r, _ in ev.args}
        if "Value" not in roles or roles & {"Unit", "Temporal-Unit", "Per"}:
            continue
        trig = b.doc.entities[ev.trigger]
        m = _TIME_AFTER.match(text, trig.end)
        if not m or m.start("u") == trig.end and text[trig.end - 1].isalpha():
            continue
        _extend_with_time_unit(b, ev, trig, m, "Temporal-Unit")


def _extend_with_time_unit(b: _Builder, ev, trig, m: re.Match, role: str) -> None:
    """Give comparison `ev` the time word m["u"] right after it as `role` and stretch its trigger over
    it, unless another comparison lies in between."""
    if any(e.type == "Eq-Comparison" and e.id != trig.id and e.start < m.end() and trig.end < e.end
           for e in b.doc.entities.values()):
        return
    tid = b.entity("Eq-Temporal-Unit", m.start("u"), m.end("u"))
    if tid is None:
        return
    b.attribute("Eq-Temporal-Unit-Value", tid, time_unit_value(m.group("u")) or "day")
    _add_arg(ev, role, tid)
    b.retrigger(ev.id, trig.start, m.end("u"))


# "(40 mg or equivalent)", "attend 70% of the sessions", "at 60 dBA": an amount with a measurement
# unit outside any comparison is one too, its value and unit (dev: 9 exact and 7 overlapping of 18)
_AMOUNT_UNIT = (r"(?:%|(?-i:mg|kg|g|cm|mm|ml|mL|lbs?|dBA|dB|µg|μg|mcg|IU|mmHg|kPa|mmol|µmol|μmol|nmol|ng|pg|L|dL|dl))"
                r"(?:/(?:[a-zA-Zµμ]+[0-9²³]?))*")
_BARE_AMOUNT = re.compile(
    rf"(?<![\w.,/×^+-])(?P<v>\d+(?:\.\d+)?)[ \t]?(?P<u>{_AMOUNT_UNIT})(?![\w/%])")


# "residents with ≥2 of the following": a comparator sign before a number is always a comparison
_SIGN_BOUND = re.compile(
    rf"(?P<op>[<>≤≥⩽⩾]=?|=>|>=|<=|=<)[ \t]*(?P<v>[-+]?\d+(?:\.\d+)?)(?![\d.,/])"
    rf"(?:[ \t]?(?P<u>{_AMOUNT_UNIT})(?![\w/%]))?")


# "stable for 3 months prior", "ceasing < 6 months ago": a "prior" or "ago" that ends the phrase (no
# "to"/"the" or number after it) closes the amount of time before it and is inside the comparison
# (dev: 8 of 8); "prior" stays its Eq-Temporal-Period, "ago" is not one
_TRAILING_ANCHOR = re.compile(r"[ \t]+(?P<w>prior|ago)\b(?![ \t]*(?:to\b|the\b|[-\w]*\d))", re.I)


def _trailing_anchors(b: _Builder) -> None:
    text = b.text
    for ev in [e for e in b.doc.events.values() if e.type == "Eq-Comparison"]:
        if ev.id not in b.doc.events:
            continue
        trig = b.doc.entities[ev.trigger]
        units = [b.doc.entities[a] for r, a in ev.args if _base_role(r) == "Temporal-Unit"]
        if not any(u.end == trig.end for u in units):
            continue
        m = _TRAILING_ANCHOR.match(text, trig.end)
        if not m:
            continue
        ws, we = m.span("w")
        # the anchor word emitted on its own (a period cue): its period joins this comparison
        for other in [e for e in b.doc.events.values() if e.type == "Eq-Comparison" and e.id != ev.id]:
            o = b.doc.entities[other.trigger]
            if (o.start, o.end) != (ws, we):
                continue
            for r, a in other.args:
                if _base_role(r) == "Temporal-Period":
                    _add_arg(ev, "Temporal-Period", a, first=True)
            b.drop_event(other.id)
        b.retrigger(ev.id, trig.start, we)


# "BMI = 18.5-29.9 kg/m2", "score = <1": an equals sign written before a range or a comparator is an
# operator (EQ) of the comparison and inside it (dev: 4 of 4; before a lone number, "n=20", it is not)
_EQUALS_BEFORE = re.compile(r"(?<=[\w)\]])[ \t]*(?P<op>=)[ \t]*\Z")


def _equals_before(b: _Builder) -> None:
    text = b.text
    for ev in [e for e in b.doc.events.values() if e.type == "Eq-Comparison"]:
        trig = b.doc.entities[ev.trigger]
        ops = [b.doc.entities[a] for r, a in ev.args if _base_role(r) == "Operator"]
        lead = any(o.start == trig.start for o in ops)
        ranged = any(b.doc.attrs_of(o.id).get("Eq-Operator-Value") == "BETWEEN" for o in ops)
        if not ops or not (lead or ranged):
            continue
        m = _EQUALS_BEFORE.search(text, max(0, trig.start - 4), trig.start)
        if not m:
            continue
        tid = b.entity("Eq-Operator", *m.span("op"))
        if tid is None:
            continue
        b.attribute("Eq-Operator-Value", tid, "EQ")
        _add_arg(ev, "Operator", tid)
        b.retrigger(ev.id, m.start("op"), trig.end)


# "a ladder score of 9 or 10", "a rating of 0, 1 or 2": a set of numbers after "of", joined by "or"
# and followed by no unit, is a comparison of Values with no operator (dev: 3 of 3)
_NUM = r"\d+(?:\.\d+)?"
_VALUE_SET = re.compile(
    rf"(?<=\bof\s)(?:{_NUM}(?:[ \t]*,[ \t]*{_NUM})*[ \t]*,?[ \t]*or[ \t]+{_NUM})"
    r"(?![\w,/%+-]|\.\d|[ \t]*(?:or|to|-|[A-Za-z%]))")


def _value_sets(b: _Builder, lines: list[tuple[int, int]]) -> None:
    for _, m, taken in _unclaimed(b, lines, _VALUE_SET):
        values = [v.span() for v in re.finditer(_NUM, b.text[m.start():m.end()])]
        values = [(m.start() + a, m.start() + z) for a, z in values]
        if _emit_comparison(b, None, None, values, None):
            taken.append(m.span())


def _bare_amounts(b: _Builder, lines: list[tuple[int, int]]) -> None:
    for i, m, taken in _unclaimed(b, lines, _SIGN_BOUND, _BARE_AMOUNT):
        if i == 0:  # "with ≥2 of the following"
            unit = m.span("u") if m.group("u") else None
            emitted = _emit_comparison(b, m.span("op"), _bound_class(m.group("op")), [m.span("v")], unit)
        else:  # "(40 mg or equivalent)"
            emitted = _emit_comparison(b, None, None, [m.span("v")], m.span("u"))
        if emitted:
            taken.append(m.span())


# "≥24 g alcohol/day", "At least 100 ml per day", "5 or more days a week": a rate's time unit
# after a comparison is its Per argument and inside it (67 of 70 such time words are marked)
_RATE_UNIT = re.compile(
    r"(?P<gap>(?:[ \t]*(?!(?:and|or|for|with|of|in|at|to|the|than|if)\b)[A-Za-zµμ]+\.?){0,2}?)"
    r"[ \t]*(?:\bper|\ba|\ban|/)[ \t]*(?P<u>day|week|month|year|hour|minute|min)\b", re.I)


def _rate_units(b: _Builder) -> None:
    text = b.text
    for ev in [e for e in b.doc.events.values() if e.type == "Eq-Comparison"]:
        trig = b.doc.entities[ev.trigger]
        m = _RATE_UNIT.match(text, trig.end)
        if not m:
            continue
        if any(_base_role(r) in ("Per", "Temporal-Unit") and b.doc.entities[a].start >= trig.end
               for r, a in ev.args):
            continue
        _extend_with_time_unit(b, ev, trig, m, "Per")


# dates: "since 2010", "between January 2014 and May 2017", "1st of January 2011 to 31 December
# 2016", "from 1960 to present": one Eq-Value per date
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATE = (rf"(?:(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?)?{_MONTHS}\.?\s*,?\s*|{_MONTHS}\s+\d{{1,2}},?\s+)?"
         r"(?:19|20)\d\d\b")
_DATE_RANGE = re.compile(
    rf"(?:\b(?P<op1>between)\s+(?P<d1>{_DATE})\s+(?P<sep>and)\s+(?P<d2>{_DATE})"
    rf"|\b(?P<d3>{_DATE})\s*(?P<sep2>-|–|\bto\b)\s*(?:(?P<d4>{_DATE})|(?P<now>present|now|today)\b)"
    rf"|\b(?P<op2>since|after|before)\s+(?P<d5>{_DATE}))", re.I)


_DATE_OP = {"since": "GTEQ", "after": "GT", "before": "LT"}


def _date_comparisons(b: _Builder, lines: list[tuple[int, int]]) -> None:
    text = b.text
    for ls, le in lines:
        for m in _DATE_RANGE.finditer(text, ls, le):
            span = (m.start(), m.end())
            clash = [ev for ev in list(b.doc.events.values())
                     if ev.type == "Eq-Comparison" and _overlapping(span, [_trigger_span(b, ev)])]
            if any(not (span[0] <= _trigger_span(b, ev)[0] and _trigger_span(b, ev)[1] <= span[1])
                   for ev in clash):
                continue  # a comparison reaching outside the dates: leave it
            for ev in clash:
                b.drop_event(ev.id)
            args: list[tuple[str, str]] = []
            op = next((g for g in ("op1", "sep2", "op2") if m.group(g)), None)
            if op:
                cls = _DATE_OP.get(m.group(op).lower(), "BETWEEN")
                tid = b.entity("Eq-Operator", m.start(op), m.end(op))
                if tid:
                    b.attribute("Eq-Operator-Value", tid, cls)
                    args.append(("Operator", tid))
            for g in ("d1", "d2", "d3", "d4", "d5"):
                if m.group(g):
                    tid = b.entity("Eq-Value", m.start(g), m.end(g))
                    if tid:
                        args.append(("Value", tid))
            if m.group("now"):
                tid = b.entity("Eq-Temporal-Period", m.start("now"), m.end("now"))
                if tid:
                    b.attribute("Eq-Temporal-Period-Value", tid, "present")
                    args.append(("Temporal-Period", tid))
            trig = b.entity("Eq-Comparison", *span)
            if trig:
                b.event("Eq-Comparison", trig, args)


# times of day: "later than 10:40 pm", "(22:00-6:00)", "11:00pm": one value per time (the number
# parser reads "22:00-6:00" as a range "00-6"); a lone "1:" hour without am/pm is a ratio ("1:40")
_CLOCK = (r"(?<![\d:.,/])(?:(?:[01]?\d|2[0-3]):[0-5]\d(?![:\d])[ \t]*(?:[ap]\.m\.|[ap]m\b)"
          r"|(?:[01]\d|2[0-3]|[2-9]):[0-5]\d(?![:\d])(?:[ \t]*(?:[ap]\.m\.|[ap]m\b))?)")
_CLOCK_RANGE = re.compile(
    rf"(?:\b(?P<op>no[ \t]+later[ \t]+than|later[ \t]+than|earlier[ \t]+than|after|before|between|from|by|"
    rf"until)[ \t]+)?(?P<t1>{_CLOCK})(?:[ \t]*(?P<sep>-|–|\bto\b|\band\b)[ \t]*(?P<t2>{_CLOCK}))?", re.I)
_CLOCK_OP = {"later than": "GT", "after": "GT", "earlier than": "LT", "before": "LT", "by": "LTEQ",
             "until": "LTEQ", "no later than": "LTEQ", "from": "GTEQ", "between": "BETWEEN"}


def _clock_comparisons(b: _Builder, lines: list[tuple[int, int]]) -> None:
    """An Eq-Comparison per time of day or range of times, replacing what the number parser made
    of the digits around the colon; LCT's operator is the word before ("later than") or, for a
    range without "between", the separator."""
    text = b.text
    for ls, le in lines:
        for m in _CLOCK_RANGE.finditer(text, ls, le):
            span = m.span()
            clash = [ev for ev in list(b.doc.events.values())
                     if ev.type == "Eq-Comparison" and _overlapping(span, [_trigger_span(b, ev)])]
            if any(not (span[0] <= _trigger_span(b, ev)[0] and _trigger_span(b, ev)[1] <= span[1])
                   for ev in clash):
                continue  # a comparison reaching outside the times: leave it
            for ev in clash:
                b.drop_event(ev.id)
            word = re.sub(r"\s+", " ", m.group("op").lower()) if m.group("op") else None
            ops = []
            if word and not (word == "from" and m.group("t2")):
                ops.append((m.span("op"), "BETWEEN" if m.group("t2") else _CLOCK_OP[word]))
            if m.group("t2") and word != "between":
                ops.append((m.span("sep"), "BETWEEN"))
            args: list[tuple[str, str]] = []
            for (a, z), cls in ops:
                tid = b.entity("Eq-Operator", a, z)
                if tid:
                    b.attribute("Eq-Operator-Value", tid, cls)
                    args.append(("Operator", tid))
            for g in ("t1", "t2"):
                if m.group(g) and (tid := b.entity("Eq-Value", *m.span(g))):
                    args.append(("Value", tid))
            trig = b.entity("Eq-Comparison", *span)
            if trig:
                b.event("Eq-Comparison", trig, args)


# gestational ages: "24 + 0 weeks", "36+6 weeks", "16 weeks 0 days", "between 16 weeks and 2 days":
# one amount in two parts, one comparison with both values (an operator before it joins)
_GESTATION = re.compile(
    r"\b(?P<w>\d{1,2})[ \t]*\+[ \t]*(?P<d>[0-6])[ \t]*(?P<u>weeks?|wks?)\b"
    r"|\b(?P<w2>\d{1,2})[ \t]*(?P<u2>weeks?|wks?)[ \t]*(?:and[ \t]+|\+[ \t]*|,[ \t]*)?(?P<d2>[0-6])[ \t]*"
    r"(?P<u3>days?)\b", re.I)
_GESTATION_OP = re.compile(rf"(?:\b(?P<b>between)|(?P<o>{_BOUND_OP.pattern}))[ \t]*$", re.I)


def _gestation_comparisons(b: _Builder, lines: list[tuple[int, int]]) -> None:
    text = b.text
    for ls, le in lines:
        for m in _GESTATION.finditer(text, ls, le):
            start = m.start()
            op = _GESTATION_OP.search(text, max(ls, m.start() - 30), m.start())
            if op:
                start = op.start()
            span = (start, m.end())
            clash = [ev for ev in b.doc.events.values() if ev.type == "Eq-Comparison"
                     and _overlapping(span, [_trigger_span(b, ev)])]
            if any(not (span[0] <= _trigger_span(b, ev)[0] and _trigger_span(b, ev)[1] <= span[1])
                   for ev in clash):
                continue
            keep = min(clash, key=lambda ev: _trigger_span(b, ev)[0]) if clash else None
            for ev in clash:
                if ev is not keep:
                    b.drop_event(ev.id)
            old = [a for _, a in keep.args] if keep is not None else []
            args: list[tuple[str, str]] = []
            if op:
                g = "b" if op.group("b") else "o"
                tid = b.entity("Eq-Operator", op.start(g), op.end(g))
                if tid:
                    cls = "BETWEEN" if g == "b" else _bound_class(op.group("o"))
                    b.attribute("Eq-Operator-Value", tid, cls)
                    args.append(("Operator", tid))
            groups = ("w", "d", "u") if m.group("w") else ("w2", "u2", "d2", "u3")
            for g in groups:
                unit = g.startswith("u")
                tid = b.entity("Eq-Temporal-Unit" if unit else "Eq-Value", m.start(g), m.end(g))
                if tid is None:
                    continue
                if unit:
                    b.attribute("Eq-Temporal-Unit-Value", tid, time_unit_value(m.group(g)) or "week")
                args.append(("Temporal-Unit" if unit else "Value", tid))
            if keep is None:
                trig = b.entity("Eq-Comparison", *span)
                if trig:
                    b.event("Eq-Comparison", trig, args)
                continue
            # the comparison a record linked keeps its id; its old parts go if nothing else uses them
            keep.args = _number_roles(args)
            b.retrigger(keep.id, *span)
            used = {a for e in b.doc.events.values() for _, a in e.args}
            used |= {e.trigger for e in b.doc.events.values()}
            for ident in old:
                ent = b.doc.entities.get(ident)
                if ent is not None and ident not in used:
                    del b.doc.entities[ident]
                    b._ent.pop((ent.type, ent.fragments), None)
                    for key in [k for k in b._attr if k[1] == ident]:
                        del b.doc.attributes[b._attr.pop(key)]


# "stable weight for at least 1 year", "pain lasting more than 3 months": an amount of time after
# "for"/"lasting" is how long the observation holds (LCT Duration), not a threshold on its value
_DURATION_LEAD = re.compile(
    r"\b(?:for|lasting|during|over)\s+(?:the\s+)?(?:a\s+)?(?:period\s+of\s+)?$", re.I)


# what is itself an amount of time ("life expectancy < 6 months", "gestational age ≥ 32 weeks", "cycle
# length"): an amount of time is its value; of anything else ("pain ... at least 3 months", "exercise
# ≥ 30 minutes") it is how long that holds (dev: 10 of 12 such comparisons are LCT Durations)
_TIME_MEASURE = re.compile(
    r"life|surviv|expectan|gestation|\bage\b|cycle|time|duration|interval|length|period|onset|delay|"
    r"latency|tmax|rate|flow", re.I)


def _filter_role(b: _Builder, comparison: str, name: str = "") -> str:
    ev = b.doc.events[comparison]
    roles = {_base_role(r) for r, _ in ev.args}
    if "Temporal-Unit" not in roles or roles & {"Unit", "Per"}:
        return "Numeric-Filter"
    trig = b.doc.entities[ev.trigger]
    lead = _DURATION_LEAD.search(b.text, max(0, trig.start - 30), trig.start)
    if lead or (name and "Operator" in roles and not _TIME_MEASURE.search(name)):
        return "Duration"
    return "Numeric-Filter"


# "> 3 on a 0-10 pain scale": the range of the scale, not a threshold
_SCALE_RANGE = re.compile(r"\b(?:on|using)\s+(?:a|the)\s+$", re.I)
_SCALE_AFTER = re.compile(r"[^\n.;]{0,40}?\bscale\b", re.I)


def _drop_scale_ranges(b: _Builder) -> None:
    text = b.text
    for ev in [e for e in b.doc.events.values() if e.type == "Eq-Comparison"]:
        s, e = _trigger_span(b, ev)
        if (
            re.fullmatch(r"0\s*(?:-|–|to)\s*\d+", text[s:e])
            and _SCALE_RANGE.search(text, max(0, s - 12), s)
            and _SCALE_AFTER.match(text, e)
        ):
            b.drop_event(ev.id)


def _subject_kind(c: Criterion) -> Optional[str]:
    """'age', 'observation' or None: which LCT event our (lexicon) subject maps to.

    Only the person's age is an LCT Age; gestational age and the like are Observations.
    """
    subj = c.subject
    if subj is not None and subj.kind == "measurement" and c.constraint is not None:
        return "observation"  # an unlisted measured thing right before its comparator
    if subj is None or subj.name is None:
        return None
    if subj.kind == "age":
        return "age" if subj.name == "age" else "observation"
    if subj.kind in _OBS_KINDS:
        return "observation"
    return None


# not an adjective of something else: "activities of daily living", "daily life", "Daily eDiary"
_FREQUENCY = re.compile(
    r"\b(?:daily|weekly|monthly)\b(?!\s+(?:living|life|e?diary|activities|average)\b)", re.I)
_AGE_WORD = re.compile(r"\b(?:ages?|aged|olds?)\b", re.I)
_NAME_ABBR = re.compile(r"(?P<name>\S.*?)\s*[(\[]\s*(?P<abbr>[^()\[\]]{1,20}?)\s*[)\]]\s*$", re.S)
_ABBR_AFTER = re.compile(r"\s*[(\[]\s*(?P<abbr>[A-Za-z][\w\-/.]{0,14}?)\s*[)\]]")


_AGE_AFTER = re.compile(r"[\s-]*(?:of\s+)?(?P<w>age|old|olds)\b", re.I)
_AGE_BEFORE = re.compile(r"\b(?P<w>ages?|aged)\b(?:\s*:|\s+of|\s+(?:over|under|above|below|between|from))?[^\n\w]*$", re.I)
_AGE_COMPARISON = re.compile(r"\b(?:older|younger)\b|\b(?:years?|yrs?|months?)[\s-]*old\b", re.I)
_AGE_BEFORE_LINE = re.compile(r"\b(?P<w>ages?|aged)\b[^\n\d]*$", re.I)
_AGE_IN_COMPARISON = re.compile(r"\b(?:older|younger)\b", re.I)


def _age_trigger(b: _Builder, s: int, e: int, filters: list[str]) -> tuple[int, int]:
    """The LCT Age trigger for an age subject and its comparisons.

    The age word of the subject ("years of age" -> "age", "years old" -> "old"); for a subject
    without one ("adults"), LCT's choice: an age word between subject and comparison, the
    "age"/"old" right after the comparison ("18 years old"), else "older"/"younger" inside it,
    else its time unit ("> 35 years").
    """
    text = b.text
    m = _AGE_WORD.search(text, s, e)
    first = b.doc.entities[b.doc.events[filters[0]].trigger] if filters else None
    if m and first is not None and m.start() >= first.end:
        # "Minimum age: 18 years old": an age word before the comparison is LCT's trigger (44 of 44)
        before = _AGE_BEFORE_LINE.search(text, max(0, first.start - 25), first.start)
        if before:
            return before.start("w"), before.end("w")
    if m:
        return m.start(), m.end()
    for f in filters:
        ev = b.doc.events[f]
        trig = b.doc.entities[ev.trigger]
        m = _AGE_WORD.search(text, e, trig.start) if e < trig.start <= e + 30 else None
        if m:  # "adults (age ≥ 18)"
            return m.start(), m.end()
        m = _AGE_AFTER.match(text, trig.end)
        if m:
            return m.start("w"), m.end("w")
        if s >= trig.start:  # the age is implicit in the comparison: "Age: 50-80 years", "aged 3 months"
            m = _AGE_BEFORE.search(text, max(0, trig.start - 25), trig.start)
            if m:
                return m.start("w"), m.end("w")
        m = _AGE_WORD.search(text, trig.start, trig.end)  # "Adult patients (16 years old and older)": "old"
        if m:
            return m.start(), m.end()
        m = _AGE_IN_COMPARISON.search(text, trig.start, trig.end)
        if m:
            return m.start(), m.end()
        units = [b.doc.entities[t] for r, t in ev.args if _base_role(r) == "Temporal-Unit"]
        if units:
            return units[0].start, units[0].end
    return s, e


# "BMI: >18 and < 30 kg/m2", "AHI > 15 or ODI > 10": a comparison that no record linked, right after
# an Observation's name or after a comparison of that Observation joined by and/or, filters it
_GESTATION_NAME = re.compile(r"gestation(?:al\s+age)?|gestational\s+weeks?", re.I)
_NAME_AFTER = re.compile(r"[ \t)\]]*(?:(?:of|normal|total)[ \t]+)?")
_JOINED_BOUND = re.compile(r"[ \t]*(?:,|;|/)?[ \t]*(?:and|or|but|,|;|/)[ \t]*(?:(?:is|be|was)[ \t]+)?$", re.I)


def _link_orphan_filters(b: _Builder) -> None:
    text = b.text
    owners = [ev for ev in b.doc.events.values() if ev.type in ("Observation", "Age")]
    used = {a for ev in b.doc.events.values() for _, a in ev.args}
    comparisons = sorted((ev for ev in b.doc.events.values() if ev.type == "Eq-Comparison"),
                         key=lambda ev: _trigger_span(b, ev)[0])
    for ev in comparisons:
        if ev.id in used:
            continue
        roles = {_base_role(r) for r, _ in ev.args}
        if not {"Operator", "Value"} <= roles or "Temporal-Period" in roles:
            continue
        if "Temporal-Unit" in roles:  # a time: only a gestational age right after it ("< 27 weeks gestation")
            end = _trigger_span(b, ev)[1]
            after = [o for o in owners if o.type == "Observation"
                     and _GESTATION_NAME.fullmatch(b.doc.entities[o.trigger].text)
                     and _NAME_AFTER.fullmatch(text, end, b.doc.entities[o.trigger].start)]
            if after:
                _add_arg(after[0], "Numeric-Filter", ev.id)
                used.add(ev.id)
            continue
        units = [b.doc.entities[a].text for r, a in ev.args if _base_role(r) == "Unit"]
        values = [b.doc.entities[a].text for r, a in ev.args if _base_role(r) == "Value"]
        if any(_CLASS_WORD.fullmatch(u) for u in units) or any(re.fullmatch(r"(?:19|20)\d\d", v) for v in values):
            continue  # "stage I-II" (a condition's), "between 2009 and 2018" (dates)
        start = _trigger_span(b, ev)[0]
        owner = None
        for o in owners:  # the name right before it
            t = b.doc.entities[o.trigger]
            if t.end <= start and _SUBJECT_GAP.fullmatch(text, t.end, start) and "\n" not in text[t.end:start]:
                owner = o
        if owner is None:  # the name right after it: "< 32% progressive motile sperm", "(>90%) cure rate"
            end = _trigger_span(b, ev)[1]
            for o in owners:
                t = b.doc.entities[o.trigger]
                if (o.type == "Observation" and t.start >= end and _NAME_AFTER.fullmatch(text, end, t.start)
                        and ("Unit" in roles or ")" in text[end:t.start])):  # not a count: "at least 2 lesions"
                    owner = o
                    break
        if owner is None:  # the bound before it, joined by and/or
            prev = [p for p in comparisons if p.id in used and _trigger_span(b, p)[1] <= start
                    and _JOINED_BOUND.fullmatch(text, _trigger_span(b, p)[1], start)]
            if prev:
                owner = next((o for o in owners if any(a == prev[-1].id for _, a in o.args)), None)
        if owner is None:
            continue
        _add_arg(owner, "Numeric-Filter", ev.id)
        used.add(ev.id)


# "ALT or AST > 3 x ULN", "walk or run at least 10 km", "FEV1 and PPO DLCO > 35%": a measurement
# joined to the next one by and/or shares its threshold (LCT links the comparison to both; dev: 5 of
# 7 such pairs)
_COORDINATED = re.compile(
    r"[ \t]*(?:\([^()\n]{1,25}\)[ \t]*)?,?[ \t]*(?:and/or|and|or|&)[ \t]+(?:the[ \t]+)?")
_QUALIFIER = re.compile(r"[A-Za-z]{2,5}[ \t]+")  # "PPO DLCO": a short qualifier before the second name


def _share_coordinated_filters(b: _Builder) -> None:
    text = b.text
    obs = [ev for ev in b.doc.events.values() if ev.type == "Observation"]

    def filters(ev: Event) -> list[str]:
        return [a for r, a in ev.args if _base_role(r) == "Numeric-Filter"]

    starts = {b.doc.entities[ev.trigger].start: ev for ev in obs if filters(ev)}
    for x in obs:
        if filters(x):
            continue
        m = _COORDINATED.match(text, b.doc.entities[x.trigger].end)
        if not m:
            continue
        y = starts.get(m.end())
        q = _QUALIFIER.match(text, m.end())
        if y is None and q:
            y = starts.get(q.end())
        if y is None:
            continue
        for f in filters(y):
            _add_arg(x, "Numeric-Filter", f)


# "younger than 6 months and older than 80 years", "below 18 and above 45 years": LCT gives the two
# bounds of an age one Age, triggered by the age word if one is written ("old"), else by the later
_AGE_NOUNS = {"age", "ages", "aged", "old", "olds"}


def _join_age_bounds(b: _Builder) -> None:
    text = b.text

    def joined(x: str, y: str) -> bool:
        xs, ys = _trigger_span(b, b.doc.events[x]), _trigger_span(b, b.doc.events[y])
        return xs[1] <= ys[0] and bool(_JOINED_BOUND.fullmatch(text, xs[1], ys[0]))

    ages = [ev for ev in b.doc.events.values() if ev.type == "Age"]
    for first in ages:
        for second in ages:
            if first is second or first.id not in b.doc.events or second.id not in b.doc.events:
                continue
            f1 = [a for _, a in first.args if a in b.doc.events]
            f2 = [a for _, a in second.args if a in b.doc.events]
            if not f1 or not f2 or not joined(f1[-1], f2[0]):
                continue
            t1, t2 = b.doc.entities[first.trigger], b.doc.entities[second.trigger]
            if t1.text.lower() in _AGE_NOUNS and t2.text.lower() in _AGE_NOUNS:
                continue  # "18 years of age or older than 95 years of age": two written ages
            keep, drop = (first, second) if (t1.text.lower() in _AGE_NOUNS
                                             and t2.text.lower() not in _AGE_NOUNS) else (second, first)
            filters = sorted(set(f1 + f2), key=lambda a: _trigger_span(b, b.doc.events[a])[0])
            del b.doc.events[drop.id]
            trig = b.doc.entities.get(drop.trigger)
            if trig is not None and not any(e.trigger == drop.trigger for e in b.doc.events.values()):
                del b.doc.entities[drop.trigger]
                b._ent.pop((trig.type, trig.fragments), None)
            keep.args = _number_roles([("Numeric-Filter", a) for a in filters])
    # a bound no record linked, joined to a bound of an age: the same age ("below 18 and above 45 years")
    used = {a for ev in b.doc.events.values() for _, a in ev.args}
    for ev in [e for e in b.doc.events.values() if e.type == "Eq-Comparison" and e.id not in used]:
        roles = {_base_role(r) for r, _ in ev.args}
        if not {"Operator", "Value"} <= roles or roles - {"Operator", "Value", "Temporal-Unit"}:
            continue
        for age in [e for e in b.doc.events.values() if e.type == "Age"]:
            filters = [a for _, a in age.args if a in b.doc.events]
            if filters and (joined(ev.id, filters[0]) or joined(filters[-1], ev.id)):
                filters = sorted(filters + [ev.id], key=lambda a: _trigger_span(b, b.doc.events[a])[0])
                age.args = _number_roles([("Numeric-Filter", a) for a in filters])
                break


# "Older adults (≥ 65 years)", "Patients above 45 years": a number of years of an adult's age that
# no subject took is the person's age (dev: 10 of 16 such comparisons are an Age's filter); not an
# amount of time ("for 15 years", "within the last 15 years", "diagnosed 20 years ago")
_ORPHAN_LEAD = re.compile(
    r"\b(?:for|since|lasting|during|duration|history|over\s+the|in\s+the|within|past|last|smok\w*|"
    r"experience|diagnos\w*)\b[^\n]{0,25}$", re.I)
_ORPHAN_TAIL = re.compile(r"[ \t]*(?:ago|prior|before|after|earlier|later|since|of\s+(?!age\b))\b", re.I)


def _orphan_ages(b: _Builder) -> None:
    text = b.text
    used = {a for ev in b.doc.events.values() for _, a in ev.args}
    for ev in [e for e in b.doc.events.values() if e.type == "Eq-Comparison" and e.id not in used]:
        roles = {_base_role(r): a for r, a in ev.args}
        if set(roles) - {"Operator", "Value", "Temporal-Unit"} or "Temporal-Unit" not in roles:
            continue
        unit = b.doc.entities[roles["Temporal-Unit"]]
        value = parse_value(b.doc.entities[roles["Value"]].text) if "Value" in roles else None
        if time_unit_value(unit.text) != "year" or value is None or not 12 <= value <= 120:
            continue
        trig = b.doc.entities[ev.trigger]
        if _ORPHAN_LEAD.search(text, max(0, trig.start - 40), trig.start) or _ORPHAN_TAIL.match(text, trig.end):
            continue
        age = b.entity("Age", *_age_trigger(b, trig.start, trig.end, [ev.id]))
        if age is not None and not any(e.type == "Age" and e.trigger == age for e in b.doc.events.values()):
            b.event("Age", age, [("Numeric-Filter", ev.id)])


def _observation_names(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """The Observation spans of a subject; a written abbreviation comes last.

    LCT annotates "Body Mass Index (BMI)" as two Observations and links the threshold to the
    abbreviation, the one next to the comparison.
    """
    m = _NAME_ABBR.fullmatch(text, s, e)
    if m and any(ch.isupper() for ch in m.group("abbr")):
        return [(m.start("name"), m.end("name")), (m.start("abbr"), m.end("abbr"))]
    m = _ABBR_AFTER.match(text, e)
    if (
        m
        and any(ch.isupper() for ch in m.group("abbr"))
        and m.group("abbr").lower() != text[s:e].lower()
    ):
        return [(s, e), (m.start("abbr"), m.end("abbr"))]
    return [(s, e)]


def _negated_subject(c: Criterion) -> Optional[tuple[int, int]]:
    kind = _subject_kind(c)
    return (c.subject.start, c.subject.end) if kind is not None else None


def _emit_negations(b: _Builder, criteria: list[Criterion], subject_events: dict) -> None:
    """LCT Negation entities: every cue of the document as LCT marks them (`negation.find_cues`
    over the whole text, headers and lead-ins included), independent of our record-level
    `negated` flag. A cue inside a statement whose subject became an Age/Observation event
    `Negates` that event; otherwise the event has no argument."""
    text = b.text
    for s, e in find_cues(text, 0, len(text)):
        trig = b.entity("Negation", s, e)
        if trig is None:
            continue
        targets: list[str] = []
        for c in criteria:
            if c.start <= s < c.end:
                key = _negated_subject(c)
                ev = subject_events.get(key) if key else None
                if ev and ev not in targets:
                    targets.append(ev)
        existing = next(
            (ev for ev in b.doc.events.values() if ev.type == "Negation" and ev.trigger == trig),
            None,
        )
        if existing is None:
            b.event("Negation", trig, _number_roles([("Negates", t) for t in targets]))


def _overlapping(span: tuple[int, int], spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [p for p in spans if p[0] < span[1] and span[0] < p[1]]


def _prefer_predicted(name: tuple[int, int], predicted: list[tuple[int, int]]) -> tuple[int, int]:
    """A lexicon name's span, or the predicted span that overlaps it (the only one): where the
    two disagree on the boundaries, the NER (trained on LCT) follows LCT's convention more often
    ("ankle pain" vs "pain", "MoCa score" vs "MoCa")."""
    hits = _overlapping(name, predicted)
    return hits[0] if len(hits) == 1 else name


# a predicted Observation owns the numeric constraint right after it: "Oral temperature > 38"
_SUBJECT_GAP = re.compile(
    r"[\s:,(\[]*(?:(?:of|at|is|was|by|on|in|the|a|an|levels?|values?|scores?|count|total|index)"
    r"[\s:,(\[]*){0,3}", re.I)


def _predicted_subject(
    text: str, c: Criterion, predicted: list[tuple[int, int]]
) -> Optional[tuple[int, int]]:
    """The predicted Observation of a record whose own subject is not measurable: one inside the
    statement that overlaps the record's subject, or ends right before its numeric constraint."""
    con = c.constraint
    if con is None or con.value_span is None or (con.value is None and not con.values):
        return None
    inside = [p for p in predicted if c.start <= p[0] and p[1] <= c.end]
    before = [
        p for p in inside if p[1] <= con.start and _SUBJECT_GAP.fullmatch(text, p[1], con.start)
    ]
    if before:
        return before[-1]
    if c.subject is not None:
        own = _overlapping((c.subject.start, c.subject.end), inside)
        hits = [p for p in own if p[1] <= con.start]
        if len(hits) == 1:
            return hits[0]
    return None


_GLUED_ABBR = re.compile(r"(?P<name>[^()]*[^\s(])\((?P<abbr>[^()\s][^()]{0,14})")


def _glued_parts(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """A predicted name cut inside parentheses: "body mass index(BMI" (no space before the "(") is
    the name and its abbreviation, as LCT marks them; "DLCO)" loses the ")" it does not open."""
    m = _GLUED_ABBR.fullmatch(text, s, e)
    if m and text[e:e + 1] == ")":
        return [m.span("name"), m.span("abbr")]
    while e > s and text[e - 1] == ")" and "(" not in text[s:e]:
        e -= 1
    return [(s, e)] if e > s else []


def _add_predicted_observations(b: _Builder, predicted: list[tuple[int, int]]) -> None:
    """Observation + Observation-Name for every predicted span that no Observation or Age
    annotation already covers (a bare mention: no Numeric-Filter)."""
    taken = [e.fragments[0] for e in b.doc.entities.values() if e.type in ("Observation", "Age")]
    taken += [(e.start, e.end) for e in b.doc.entities.values() if e.type == "Eq-Comparison"]
    for a, z in predicted:
        if _overlapping((a, z), taken):
            continue
        trig = b.entity("Observation", a, z)
        name = b.entity("Observation-Name", a, z)
        if trig is None or name is None:
            continue
        b.event("Observation", trig, [("Name", name)])
        taken.append((a, z))


def criteria_to_brat(
    text: str, criteria: Iterable[Criterion], observations: Iterable[tuple[int, int]] = ()
) -> BratDoc:
    """Our records for one document -> LCT brat annotations (entities, events, attributes).

    Only what the records support is emitted: numeric constraints and temporal windows with an
    amount (Eq-*), measurable subjects (Observation, Observation-Name, Age) and negation cues.
    `observations`: Observation spans predicted by the NER (`pipeline.ner.find_observations`),
    merged with the lexicon's (`_prefer_predicted`, `_predicted_subject`,
    `_add_predicted_observations`; the module docstring says how).
    Offsets are into `text` (the document the criteria were built from).
    """
    b = _Builder(text)
    predicted = sorted({p for s, e in observations if e > s for p in _glued_parts(text, *_trim(text, s, e))})
    comparisons: dict[tuple[int, int], list[str]] = {}
    temporals: dict[tuple[int, int], Optional[str]] = {}
    # subject span -> (kind, [numeric filter eids], [temporal eids])
    subjects: dict[tuple[int, int], tuple[str, list[str], list[str]]] = {}
    # subject span -> our subject kind (lab, vital ...)
    kinds: dict[tuple[int, int], Optional[str]] = {}
    constrained: set[tuple[int, int]] = set()  # subjects of records with a constraint or window
    periods: dict[tuple[int, int], str] = {}  # "history", "current", "planned": period cues
    frequencies: set[tuple[int, int]] = set()  # "daily", "weekly"
    severities: set[tuple[int, int]] = set()  # "moderate to severe"
    criteria = [c for c in criteria if c.source == "text"]
    for c in criteria:
        kind = _subject_kind(c)
        subject_span = (c.subject.start, c.subject.end) if kind is not None else None
        if kind is None and predicted:
            subject_span = _predicted_subject(text, c, predicted)
            kind = "observation" if subject_span is not None else None
        cmp_ids: list[str] = []
        if c.constraint is not None:
            key = (c.constraint.start, c.constraint.end)
            if key not in comparisons:
                comparisons[key] = _comparisons_from_constraint(b, c.constraint)
            cmp_ids = comparisons[key]
        tmp_id = None
        if c.temporal is not None:
            key = (c.temporal.start, c.temporal.end)
            if key not in temporals:
                temporals[key] = _comparison_from_temporal(b, c.temporal)
            tmp_id = temporals[key]
        if cmp_ids and (kind is None or (c.subject is not None and c.subject.kind == "measurement")):
            # "They are 18 years or older", "55 and older": an age without an age subject (80 of 82
            # such comparisons are an Age's filter in the dev part); keyed by the comparison
            first = b.doc.entities[b.doc.events[cmp_ids[0]].trigger]
            if _AGE_COMPARISON.search(first.text):
                kind, subject_span = "age", (first.start, first.end)
        subj_key = None
        if kind is not None:
            subj_key = subject_span
            entry = subjects.setdefault(subj_key, (kind, [], []))
            kinds.setdefault(subj_key, c.subject.kind if c.subject is not None else None)
            if c.constraint is not None or c.temporal is not None:
                constrained.add(subj_key)
            entry[1].extend(i for i in cmp_ids if i not in entry[1])
            if tmp_id and tmp_id not in entry[2] and kind == "observation":
                entry[2].append(tmp_id)
        if c.period is not None:
            periods.setdefault((c.period.start, c.period.end), c.period.value)
    # LCT conventions read from every line of the text, also where no record covers it (a record
    # keeps one window, one period, one statement of "Fever in the past week (temperature > 38)")
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    for ls, le in lines:
        # every window ("X within 1 year or Y within the past 3 months")
        for t in find_temporal(text, ls, le):
            key = (t.start, t.end)
            if key not in temporals and not any(a < t.end and t.start < z for a, z in temporals):
                temporals[key] = _comparison_from_temporal(b, t)
        # "daily use", "weekly injections": a frequency word is LCT's comparison and its time unit
        for fm in _FREQUENCY.finditer(text, ls, le):
            frequencies.add((fm.start(), fm.end()))
    windows = [k for k, v in temporals.items() if v is not None]
    for ls, le in lines:
        for ps, pe, pv in find_periods(text, ls, le):
            if not _overlapping((ps, pe), windows):
                periods.setdefault((ps, pe), pv)
        for ps, pe in _on_present(text, ls, le):
            periods.setdefault((ps, pe), "present")
        for pm in _PAST_ALONE.finditer(text, ls, le):
            if not _overlapping(pm.span("c"), windows) and not _overlapping(pm.span("c"), list(periods)):
                periods.setdefault(pm.span("c"), "past")
        # "in the past week", "(past year)": a one-unit window our records did not keep
        for um in _T_UNIT_ONLY.finditer(text, ls, le):
            if not any(a < um.end() and um.start() < z for a, z in temporals):
                temporals[(um.start(), um.end())] = _unit_only_window(b, um)
        for sm in _SEVERITY_RANGE.finditer(text, ls, le):
            severities.add((sm.start(), sm.end()))
    # durations no record kept ("for 24 weeks", "(42 months)")
    cmp_spans = [(e.start, e.end) for e in b.doc.entities.values() if e.type == "Eq-Comparison"]
    for cs, ce in lines:
        for dm in _T_AMOUNT.finditer(text, cs, ce):
            if _overlapping((dm.start(), dm.end()), cmp_spans) or _BARE_NOT_TIME.match(text, dm.start()):
                continue
            eid = _bare_duration(b, dm)
            if eid:
                trig = b.doc.entities[b.doc.events[eid].trigger]
                cmp_spans.append((trig.start, trig.end))
                for key in [k for k in periods if trig.start <= k[0] < trig.end]:
                    del periods[key]
    _class_comparisons(b, lines)
    _date_comparisons(b, lines)
    _clock_comparisons(b, lines)
    _gestation_comparisons(b, lines)
    _half_lives_comparisons(b, lines)
    _reference_comparisons(b, lines)
    _count_comparisons(b, lines)
    _multiple_comparisons(b, lines)
    _recency_comparisons(b, lines)
    _count_units(b)
    _time_units_after(b)
    _bare_amounts(b, lines)
    _value_sets(b, lines)
    _compound_units(b)
    _water_column_units(b)
    _rate_units(b)
    _drop_scale_ranges(b)
    _slash_values(b)
    for ss, se in sorted(severities):
        _severity_range(b, _SEVERITY_RANGE.match(text, ss, se))
    _severity_bounds(b, lines)
    for fs, fe in sorted(frequencies):
        cid = b.entity("Eq-Comparison", fs, fe)
        uid = b.entity("Eq-Temporal-Unit", fs, fe)
        if cid and uid:
            tv = time_unit_value(text[fs:fe])
            if tv:
                b.attribute("Eq-Temporal-Unit-Value", uid, tv)
            b.event("Eq-Comparison", cid, [("Temporal-Unit", uid)])
    for (ps, pe), value in periods.items():
        if _HISTORY_SOURCE.search(text, max(0, ps - 40), ps) and text[ps:pe].lower() == "history":
            continue  # "as indicated by medical history": where a finding comes from, not when
        # LCT: the cue word is both the Eq-Comparison and its Eq-Temporal-Period ("history")
        cid = b.entity("Eq-Comparison", ps, pe)
        pid = b.entity("Eq-Temporal-Period", ps, pe)
        if cid and pid:
            b.attribute("Eq-Temporal-Period-Value", pid, value)
            b.event("Eq-Comparison", cid, [("Temporal-Period", pid)])
    _trailing_anchors(b)
    _equals_before(b)
    subject_events: dict[tuple[int, int], str] = {}
    for (s, e), (kind, filters, temps) in subjects.items():
        # comparisons replaced by a reading of the text (dates) are gone
        filters = [f for f in filters if f in b.doc.events]
        temps = [t for t in temps if t in b.doc.events]
        if kind == "age":
            if not filters:  # an age word without a number ("age-related", "no age limit")
                continue
            trig = b.entity("Age", *_age_trigger(b, s, e, filters))
            if trig is None:
                continue
            same = next(
                (ev for ev in b.doc.events.values() if ev.type == "Age" and ev.trigger == trig), None)
            if same is not None:  # "Age: 18 years old": the age word and "years old" were two subjects
                roles = [(_base_role(r), a) for r, a in same.args]
                roles += [("Numeric-Filter", f) for f in filters if ("Numeric-Filter", f) not in roles]
                same.args = _number_roles(roles)
                subject_events[(s, e)] = same.id
                continue
            args = [("Numeric-Filter", f) for f in filters]
            subject_events[(s, e)] = b.event("Age", trig, args)
            continue
        if (
            s,
            e,
        ) not in constrained:  # a bare mention ("weight loss", "insulin pump"): mostly noise
            continue
        names = list(dict.fromkeys(
            _prefer_predicted((a, z), predicted) for a, z in _observation_names(text, s, e)))
        for k, (a, z) in enumerate(names):
            trig = b.entity("Observation", a, z)
            name = b.entity("Observation-Name", a, z)
            if trig is None or name is None:
                continue
            last = k == len(names) - 1
            args = [("Name", name)]
            if last:
                args += [(_filter_role(b, f, text[s:e]), f) for f in filters]
                args += [("Temporality", t) for t in temps]
            eid = b.event("Observation", trig, args)
            if last:
                subject_events[(s, e)] = eid
            obs_type = _OBS_KINDS.get(kinds.get((s, e)) or "")
            if obs_type:
                b.attribute(_OBS_TYPE_ATTR, eid, obs_type)
    _orphan_ages(b)
    _add_predicted_observations(b, predicted)
    _link_orphan_filters(b)
    _share_coordinated_filters(b)
    _join_age_bounds(b)
    _emit_negations(b, criteria, subject_events)
    return b.doc


# =============================================================================================
# scoring (the rules of the LCT evaluation: spans exact/overlap, lab-threshold tuples)

# fmt: off
_WORD_VALUES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "thousand": 1000,
    "twice": 2, "once": 1, "single": 1, "half": 0.5,
}
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_UNITS_1_9 = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# fmt: on
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}


def parse_value(text) -> Optional[float]:
    """A number from an Eq-Value text: thousands separators, decimal comma, 10^9, words, I..XX."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return float(text) if math.isfinite(float(text)) else None
    raw = unicodedata.normalize("NFKC", str(text)).strip()
    s = raw.lower().replace("\u2212", "-").replace("\u2013", "-").strip()
    if not s:
        return None
    if re.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):
        s = s.replace(",", "")
    elif re.fullmatch(r"[+-]?\d+,\d{1,2}", s):
        s = s.replace(",", ".")
    if _PLAIN_NUMBER.fullmatch(s):
        return float(s)
    m = re.fullmatch(r"(\d+)\s*\^\s*(\d+)", s)
    if m:
        return float(int(m.group(1)) ** int(m.group(2)))
    if s in _WORD_VALUES:
        return float(_WORD_VALUES[s])
    m = re.fullmatch(rf"({'|'.join(_TENS)})[- ]({'|'.join(_UNITS_1_9)})", s)
    if m:
        return float(_WORD_VALUES[m.group(1)] + _WORD_VALUES[m.group(2)])
    if re.fullmatch(r"[IVX]{1,5}", raw):
        total = prev = 0
        for ch in reversed(s):
            v = _ROMAN_VALUES[ch]
            total = total - v if v < prev else total + v
            prev = max(prev, v)
        if 0 < total <= 20:
            return float(total)
    return None


def _same_number(a: Optional[float], b: Optional[float]) -> bool:
    return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)


def comparable_unit(text: Optional[str]) -> str:
    """NFKC, lowercase, mu -> u, no whitespace or '^', no leading multiplier or '/'."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).lower()
    s = s.replace("\u03bc", "u").replace("\u00b5", "u").replace("\u00d7", "x")
    s = re.sub(r"\s+", "", s).replace("^", "")
    s = re.sub(r"^(?:x|\*|times)(?=[a-z(%])", "", s)
    return s.lstrip("/")


@dataclass
class ThresholdTuple:
    """One Observation/Age -> Numeric-Filter -> Eq-Comparison filter with operator and value."""

    name: Frags
    name_text: str
    kind: str
    classes: frozenset
    values: list
    unit_cands: Optional[frozenset]
    unit_text: Optional[str]
    comparison_text: str = ""

    def as_prediction(self) -> dict:
        """A predicted tuple's single reading: one class, value (value2 if BETWEEN), unit text."""
        op = "BETWEEN" if "BETWEEN" in self.classes else sorted(self.classes)[0]
        two = op == "BETWEEN" and len(self.values) > 1
        return {
            "name": ((self.name[0][0], self.name[-1][1]),),
            "operator": op,
            "value": self.values[0],
            "value2": self.values[1] if two else None,
            "unit": self.unit_text,
        }


def _base_role(role: str) -> str:
    return re.sub(r"\d+$", "", role)


def _frag_text(text: str, frags: Frags) -> str:
    return " ".join(text[s:e] for s, e in frags)


def brat_tuples(text: str, doc: BratDoc):
    """(tuples, excluded counts, don't-care filters) of a document, read the LCT way."""
    tb = {k: (e.type, e.fragments) for k, e in doc.entities.items()}
    attrs: dict[str, dict[str, Optional[str]]] = collections.defaultdict(dict)
    for a in doc.attributes.values():
        attrs[a.target][a.name] = a.value if a.value is not None else True
    tuples: list[ThresholdTuple] = []
    excluded: collections.Counter = collections.Counter()
    dont_care: list[tuple[Frags, list]] = []
    events = doc.events
    for eid in sorted(events, key=lambda k: (len(k), k)):
        ev = events[eid]
        if ev.type not in ("Observation", "Age") or ev.trigger not in tb:
            continue
        name_id = ev.trigger
        if ev.type == "Observation":
            names = [t for r, t in ev.args if _base_role(r) == "Name" and t in tb]
            name_id = names[0] if names else ev.trigger
        for role, target in ev.args:
            if _base_role(role) != "Numeric-Filter" or target not in events:
                continue
            comp = events[target]
            by_role: dict[str, list[str]] = collections.defaultdict(list)
            for r, t in comp.args:
                by_role[_base_role(r)].append(t)
            ops = [t for t in by_role["Operator"] if t in tb]
            vals = [t for t in by_role["Value"] if t in tb]
            values = [parse_value(_frag_text(text, tb[t][1])) for t in vals]
            if not vals:
                continue
            if not ops:
                excluded["value without operator (don't care)"] += 1
                dont_care.append((tb[name_id][1], values))
                continue
            classes = {attrs[t].get("Eq-Operator-Value") for t in ops} - {None}
            if not classes:
                excluded["no operator class (don't care)"] += 1
                dont_care.append((tb[name_id][1], values))
                continue
            if values[0] is None:
                excluded["value not a number"] += 1
                continue
            units = [t for r in ("Unit", "Per", "Temporal-Unit") for t in by_role[r] if t in tb]
            cands = None
            unit_text = None
            if units:
                frs = sorted(f for t in units for f in tb[t][1])
                unit_text = text[frs[0][0] : frs[-1][1]]
                raw = {
                    unit_text,
                    "/".join(
                        _frag_text(text, tb[t][1]) for t in sorted(units, key=lambda t: tb[t][1])
                    ),
                }
                raw.update(
                    _frag_text(text, tb[t][1])
                    for r in ("Unit", "Temporal-Unit")
                    for t in by_role[r]
                    if t in tb
                )
                if len(vals) > 1 and "BETWEEN" not in classes:
                    v2 = tb[vals[1]][1][0][0]
                    if v2 < frs[-1][1]:
                        raw.add(text[v2 : frs[-1][1]])
                cands = frozenset(comparable_unit(u) for u in raw)
            tuples.append(
                ThresholdTuple(
                    tb[name_id][1],
                    _frag_text(text, tb[name_id][1]),
                    ev.type,
                    frozenset(classes),
                    values,
                    cands,
                    unit_text,
                    _frag_text(text, tb[comp.trigger][1]) if comp.trigger in tb else "",
                )
            )
    return tuples, excluded, dont_care


def _overlaps(fa: Frags, fb: Frags) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in fa for s2, e2 in fb)


def _prf(tp_p: int, n_pred: int, tp_r: int, n_gold: int) -> dict:
    p = tp_p / n_pred if n_pred else 0.0
    r = tp_r / n_gold if n_gold else 0.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def _tuple_match(g: ThresholdTuple, p: dict, with_unit: bool = False) -> bool:
    if not _overlaps(g.name, p["name"]) or p["operator"] not in g.classes:
        return False
    gv = g.values
    if p["operator"] == "BETWEEN" and len(gv) >= 2 and gv[1] is not None:
        if p["value"] is None or p["value2"] is None:
            return False
        ok = all(
            _same_number(a, b) for a, b in zip(sorted([p["value"], p["value2"]]), sorted(gv[:2]))
        )
    else:
        ok = _same_number(p["value"], gv[0]) or (
            p["operator"] == "BETWEEN" and _same_number(p["value2"], gv[0])
        )
    return ok and (not with_unit or _unit_match(g, p))


def _unit_match(g: ThresholdTuple, p: dict) -> bool:
    pu = comparable_unit(p.get("unit"))
    return pu == "" if g.unit_cands is None else pu in g.unit_cands


def _max_matching(n_left: int, adj: list[list[int]]) -> dict[int, int]:
    """Maximum bipartite matching by augmenting paths, left in order; {left: right}."""
    owner: dict[int, int] = {}

    def augment(i: int, seen: set) -> bool:
        for j in adj[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(n_left):
        augment(i, set())
    return {i: j for j, i in owner.items()}


@dataclass
class _Scored:
    """One document: gold and predicted spans and tuples."""

    doc_id: str
    text: str
    gold_spans: set
    pred_spans: set
    gold_tuples: list
    excluded: collections.Counter
    dont_care: list
    pred_tuples: list


@dataclass
class BratReport:
    """Scores of our predictions against a brat gold directory (see `table()` and `as_dict()`)."""

    documents: int
    types: dict
    micro: dict
    tuples: dict
    errors: list = field(default_factory=list)
    seconds: float = 0.0
    missed: list = field(default_factory=list)
    false_positives: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "documents": self.documents,
            "types": self.types,
            "micro": self.micro,
            "tuples": self.tuples,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
        }

    def table(self) -> str:
        def pct(x: float) -> str:
            return f"{100 * x:5.1f}"

        out = [f"LCT brat scores: {self.documents} documents ({self.seconds:.1f} s)"]
        hdr = (
            f"{'type':<20} {'gold':>5} {'pred':>5} | {'exact P':>7} {'R':>5} {'F1':>5} | "
            f"{'overlap P':>9} {'R':>5} {'F1':>5} | {'LCT best F1':>11}"
        )
        out += [hdr, "-" * len(hdr)]
        for t, r in list(self.types.items()) + [("micro (these types)", self.micro)]:
            e, o = r["exact"], r["overlap"]
            ref = LCT_REFERENCE.get(t)
            ref_col = f"{ref:.1f}" if ref else ""
            out.append(
                f"{t:<20} {r['gold']:>5} {r['pred']:>5} | "
                f"{pct(e['p']):>7} {pct(e['r'])} {pct(e['f1'])} | "
                f"{pct(o['p']):>9} {pct(o['r'])} {pct(o['f1'])} | {ref_col:>11}"
            )
        tu = self.tuples
        exc = ", ".join(f"{v} {k}" for k, v in sorted(tu["excluded"].items())) or "none"
        a, b, u = tu["name_op_value"], tu["with_unit"], tu["unit_accuracy_on_matched"]
        out += [
            "",
            f"Lab-threshold tuples: gold {tu['gold']} (excluded: {exc}), predicted {tu['pred']} "
            f"(+{tu['pred_ignored_dont_care']} ignored as don't care)",
            f"  name+operator+value   P {pct(a['p'])}  R {pct(a['r'])}  F1 {pct(a['f1'])}  "
            f"(matched {a['tp']})",
            f"  ... and unit too      P {pct(b['p'])}  R {pct(b['r'])}  F1 {pct(b['f1'])}  "
            f"(matched {b['tp']})",
            f"  unit accuracy on matched tuples: {u['correct']}/{u['of']} = {pct(u['acc'])}",
            f"  precision among the {tu['on_gold_subjects']['pred']} predictions whose name "
            f"overlaps a gold tuple's name: {pct(tu['on_gold_subjects']['p'])}",
            "  recall by gold operator: "
            + ", ".join(
                f"{k} {v['matched']}/{v['gold']}" for k, v in tu["recall_by_operator"].items()
            ),
            "  recall by kind: "
            + ", ".join(f"{k} {v['matched']}/{v['gold']}" for k, v in tu["recall_by_kind"].items()),
        ]
        if self.errors:
            out.append("")
            out.append(
                f"pipeline errors on {len(self.errors)} document(s), scored as empty: "
                + ", ".join(d for d, _ in self.errors[:5])
            )
        return "\n".join(out)


def _score(docs: list[_Scored], types: Iterable[str]) -> tuple[dict, dict, dict, list, list]:
    types = list(types)
    counts = {t: collections.Counter() for t in types}
    for d in docs:
        for t in types:
            g = [fr for ty, fr in d.gold_spans if ty == t]
            p = [fr for ty, fr in d.pred_spans if ty == t]
            c = counts[t]
            c["gold"] += len(g)
            c["pred"] += len(p)
            gs = set(g)
            c["exact"] += sum(1 for fr in p if fr in gs)
            c["ov_p"] += sum(1 for fr in p if any(_overlaps(fr, x) for x in g))
            c["ov_r"] += sum(1 for fr in g if any(_overlaps(fr, x) for x in p))

    def row(c: collections.Counter) -> dict:
        return {
            "gold": c["gold"],
            "pred": c["pred"],
            "exact": dict(tp=c["exact"], **_prf(c["exact"], c["pred"], c["exact"], c["gold"])),
            "overlap": dict(
                tp_pred=c["ov_p"],
                tp_gold=c["ov_r"],
                **_prf(c["ov_p"], c["pred"], c["ov_r"], c["gold"]),
            ),
        }

    total: collections.Counter = collections.Counter()
    for c in counts.values():
        total.update(c)
    type_rows = {t: row(counts[t]) for t in types}

    n_gold = n_pred = ignored = matched = matched_u = unit_ok = on_subject = 0
    excluded: collections.Counter = collections.Counter()
    by_class: dict = collections.defaultdict(collections.Counter)
    by_kind: dict = collections.defaultdict(collections.Counter)
    missed, false_pos = [], []
    for d in docs:
        gt, pt = d.gold_tuples, d.pred_tuples
        excluded.update(d.excluded)
        n_gold += len(gt)
        m = _max_matching(
            len(gt), [[j for j, p in enumerate(pt) if _tuple_match(g, p)] for g in gt]
        )
        mu = _max_matching(
            len(gt), [[j for j, p in enumerate(pt) if _tuple_match(g, p, True)] for g in gt]
        )
        used = set(m.values())
        drop = {
            j
            for j, p in enumerate(pt)
            if j not in used
            and any(
                _overlaps(nm, p["name"]) and any(_same_number(p["value"], v) for v in vals)
                for nm, vals in d.dont_care
            )
        }
        ignored += len(drop)
        n_pred += len(pt) - len(drop)
        matched += len(m)
        matched_u += len(mu)
        on_subject += sum(
            1
            for j, p in enumerate(pt)
            if j not in drop and any(_overlaps(g.name, p["name"]) for g in gt)
        )
        unit_ok += sum(1 for i, j in m.items() if _unit_match(gt[i], pt[j]))
        for i, g in enumerate(gt):
            cls = "BETWEEN" if "BETWEEN" in g.classes else sorted(g.classes)[0]
            by_class[cls]["gold"] += 1
            by_class[cls]["matched"] += i in m
            by_kind[g.kind]["gold"] += 1
            by_kind[g.kind]["matched"] += i in m
            if i not in m:
                missed.append(
                    {
                        "doc_id": d.doc_id,
                        "name": g.name_text,
                        "comparison": g.comparison_text,
                        "classes": sorted(g.classes),
                        "values": g.values,
                    }
                )
        for j, p in enumerate(pt):
            if j not in used and j not in drop:
                ((s, e),) = p["name"]
                false_pos.append(
                    {
                        "doc_id": d.doc_id,
                        "name": d.text[s:e],
                        "operator": p["operator"],
                        "value": p["value"],
                        "value2": p["value2"],
                        "unit": p["unit"],
                    }
                )
    tuples = {
        "gold": n_gold,
        "pred": n_pred,
        "excluded": dict(excluded),
        "pred_ignored_dont_care": ignored,
        "name_op_value": dict(tp=matched, **_prf(matched, n_pred, matched, n_gold)),
        "with_unit": dict(tp=matched_u, **_prf(matched_u, n_pred, matched_u, n_gold)),
        "on_gold_subjects": {"pred": on_subject, "p": matched / on_subject if on_subject else 0.0},
        "unit_accuracy_on_matched": {
            "correct": unit_ok,
            "of": matched,
            "acc": unit_ok / matched if matched else 0.0,
        },
        "recall_by_operator": {
            k: {
                "gold": v["gold"],
                "matched": v["matched"],
                "r": v["matched"] / v["gold"] if v["gold"] else 0.0,
            }
            for k, v in sorted(by_class.items())
        },
        "recall_by_kind": {
            k: {
                "gold": v["gold"],
                "matched": v["matched"],
                "r": v["matched"] / v["gold"] if v["gold"] else 0.0,
            }
            for k, v in sorted(by_kind.items())
        },
    }
    return type_rows, row(total), tuples, missed, false_pos


# =============================================================================================
# running the pipeline over directories


def predict_document(doc_id: str, text: str, source: str = "") -> BratDoc:
    """Run the pipeline on one bare document text and map its records."""
    from .criteria import build_criteria
    from .schema import Trial

    from .ner import find_observations

    criteria = build_criteria(Trial(doc_id, source or doc_id, text))
    return criteria_to_brat(text, criteria, find_observations(text))


def _read_text(path: Path) -> str:
    with open(path, encoding="utf-8") as fh:  # universal newlines, as brat tools read it
        return fh.read()


def _write_prediction(out_dir: Path, doc_id: str, text: str, doc: BratDoc) -> None:
    write_ann(doc, out_dir / f"{doc_id}.ann")
    (out_dir / f"{doc_id}.txt").write_text(text, encoding="utf-8")


def to_brat(txt_dir: Union[str, Path], out_dir: Union[str, Path]) -> int:
    """Predictions for every `*.txt` of txt_dir as brat standoff in out_dir.

    Writes DOC.ann and a copy of DOC.txt (so that out_dir opens in brat).

    Returns the number of documents written. A document the pipeline fails on gets an empty .ann
    (logged), so that a scorer counts it as "predicted nothing".
    """
    txt_dir, out_dir = Path(txt_dir), Path(out_dir)
    if not txt_dir.is_dir():
        raise FileNotFoundError(f"not a directory: {txt_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    n = 0
    for path in sorted(txt_dir.glob("*.txt")):
        text = _read_text(path)
        try:
            doc = predict_document(path.stem, text, str(path))
        except Exception as exc:  # noqa: BLE001 - one bad document must not stop a corpus run
            log.error(
                "%s: pipeline failed (%s: %s); writing an empty .ann", path, type(exc).__name__, exc
            )
            doc = BratDoc()
        _write_prediction(out_dir, path.stem, text, doc)
        n += 1
    return n


LCT_SPLITS = ("dev", "heldout")


def lct_split(doc_id: str) -> str:
    """Which part of the LCT corpus a document belongs to: "heldout" for one in five, by hash.

    Rules and the statistical component are developed on "dev"; "heldout" measures whether they
    generalise. A stable hash of the id (not the file order) keeps the split fixed as files come
    and go.
    """
    digest = hashlib.sha1(doc_id.encode("utf-8")).digest()
    return "heldout" if digest[0] % 5 == 0 else "dev"


def _read_ids(ids) -> Optional[set[str]]:
    if ids is None:
        return None
    if isinstance(ids, (str, Path)):
        p = Path(ids)
        if p.is_file():
            return {ln.strip() for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()}
        return {str(ids)}
    return {str(i) for i in ids}


def evaluate_brat(
    gold_dir: Union[str, Path],
    write_predictions: Union[str, Path, None] = None,
    ids=None,
    types: Iterable[str] = SPAN_TYPES,
    pred_dir: Union[str, Path, None] = None,
    split: Optional[str] = None,
) -> BratReport:
    """Run the pipeline on the gold documents' texts and score the mapped predictions.

    `ids`: document ids to score (an iterable, or a file with one id per line); `write_predictions`:
    a directory for the predicted .ann files (the same files `to_brat` writes). `pred_dir`: score
    the DOC.ann files of that directory instead of running the pipeline (a missing file predicts
    nothing). `split`: score only the "dev" or "heldout" part (`lct_split`).
    """
    if split is not None and split not in LCT_SPLITS:
        raise ValueError(f"split must be one of {LCT_SPLITS}, not {split!r}")
    t0 = time.perf_counter()
    gold_dir = Path(gold_dir)
    if not gold_dir.is_dir():
        raise FileNotFoundError(f"gold directory not found: {gold_dir}")
    wanted = _read_ids(ids)
    out_dir = Path(write_predictions) if write_predictions else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
    scored: list[_Scored] = []
    errors: list[tuple[str, str]] = []
    seen = set()
    for ann in sorted(gold_dir.glob("*.ann")):
        doc_id = ann.stem
        if wanted is not None and doc_id not in wanted:
            continue
        if split is not None and lct_split(doc_id) != split:
            continue
        txt = ann.with_suffix(".txt")
        if not txt.exists():
            raise FileNotFoundError(f"{ann}: no matching .txt")
        seen.add(doc_id)
        text = _read_text(txt)
        gold = read_ann(ann)
        for ent in gold.entities.values():
            if ent.end > len(text):
                raise BratFormatError(f"{ann}: {ent.id} offsets beyond the end of {txt.name}")
        if pred_dir is not None:
            pf = Path(pred_dir) / f"{doc_id}.ann"
            pred = read_ann(pf) if pf.exists() else BratDoc()
        else:
            try:
                pred = predict_document(doc_id, text, str(txt))
            except Exception as exc:  # noqa: BLE001
                log.error(
                    "%s: pipeline failed (%s: %s); scored as empty", txt, type(exc).__name__, exc
                )
                errors.append((doc_id, f"{type(exc).__name__}: {exc}"))
                pred = BratDoc()
        if out_dir:
            _write_prediction(out_dir, doc_id, text, pred)
        gt, excluded, dont_care = brat_tuples(text, gold)
        pt = [t.as_prediction() for t in brat_tuples(text, pred)[0]]
        scored.append(
            _Scored(doc_id, text, gold.spans(), pred.spans(), gt, excluded, dont_care, pt)
        )
    if wanted is not None and wanted - seen:
        missing = sorted(wanted - seen)
        raise FileNotFoundError(
            f"{len(missing)} listed ids have no gold document, e.g. {missing[:3]}"
        )
    if not scored:
        raise FileNotFoundError(f"no brat documents (*.ann + *.txt) in {gold_dir}")
    type_rows, micro, tuples, missed, false_pos = _score(scored, types)
    return BratReport(
        len(scored), type_rows, micro, tuples, errors, time.perf_counter() - t0, missed, false_pos
    )
