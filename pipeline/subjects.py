"""Measurable subjects (labs, vitals, scores, age, life expectancy) from the lexicon in models/.

The lexicon (`models/lexicons/subjects.jsonl`) is compiled once into two trie-shaped regular
expressions: synonyms match case-insensitively, abbreviations ("ALT", "PT", "INR") match with their
written case only, so that "pt" (patient) or "alt" in running text is not taken for a lab.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from .errors import RuleFileError
from .fastre import folded, lowered
from .rules import check_keys, read_jsonl
from .paths import model_file

_ALLOWED = {"name", "label", "category", "synonyms", "abbreviations", "loinc", "default_unit", "not_after", "implied_unit",
            "percent_name", "percentile_name"}
_CATEGORIES = {"lab", "vital", "score", "age", "life_expectancy", "lifestyle"}


@dataclass(frozen=True)
class Entry:
    name: str
    label: str
    category: str
    loinc: Optional[str]
    # words just before a mention that make it a reference, not the measured thing ("ULN for age")
    not_after: Optional[re.Pattern] = None
    # the unit a bare number means for this subject ("Systolic BP ≥ 180" is mmHg), when the lexicon says so
    implied_unit: Optional[str] = None
    # the name of the quantity a limit in % measures ("FEV1 ≥ 50%" is % of predicted: fev1.percent_predicted)
    percent_name: Optional[str] = None
    # the name of the quantity a chart percentile measures ("BMI ≥ 95th percentile": bmi_for_age.percentile);
    # without one, name + ".percentile"
    percentile_name: Optional[str] = None


@dataclass
class FoundSubject:
    start: int
    end: int
    name: str
    category: str
    code: Optional[str] = None


def _trie_regex(words: list[str]) -> str:
    """A compact alternation (shared prefixes factored) so that matching stays fast."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict) -> str:
        alts = []
        optional = False
        for ch in sorted(node, key=lambda c: (c == "", c)):
            if ch == "":
                optional = True
                continue
            sub = build(node[ch])
            alts.append(_char_rx(ch) + sub)
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if optional:
            body = "(?:" + body + ")?"
        return body

    return build(trie)


def _char_rx(ch: str) -> str:
    if ch == " ":
        return r"[\s\-]+"
    if ch == "-":
        return r"[\-\s]?"
    return re.escape(ch)


@lru_cache(maxsize=None)
def lexicon() -> tuple[dict[str, Entry], dict[str, str], dict[str, str]]:
    """(entries by name, synonym(lower) -> name, abbreviation(as written) -> name)."""
    path = model_file("lexicons", "subjects.jsonl")
    entries: dict[str, Entry] = {}
    syn: dict[str, str] = {}
    abbr: dict[str, str] = {}
    for n, rec in read_jsonl(path):
        check_keys(rec, path, n, {"name", "category"}, _ALLOWED - {"name", "category"})
        if rec["category"] not in _CATEGORIES:
            raise RuleFileError(path, n, f"unknown category {rec['category']!r}")
        name = rec["name"]
        try:
            not_after = re.compile("(?:" + rec["not_after"] + r")\s*$", re.I) if rec.get("not_after") else None
        except re.error as exc:
            raise RuleFileError(path, n, f"bad not_after pattern: {exc}") from None
        entries[name] = Entry(name, rec.get("label") or name, rec["category"], rec.get("loinc"), not_after,
                              rec.get("default_unit") if rec.get("implied_unit") else None,
                              rec.get("percent_name"), rec.get("percentile_name"))
        for s in [rec.get("label") or ""] + list(rec.get("synonyms") or []):
            if s and len(s) > 1:
                syn.setdefault(_norm(s), name)
        for a in rec.get("abbreviations") or []:
            if a:
                abbr.setdefault(a, name)
    return entries, syn, abbr


def _norm(s: str) -> str:
    return re.sub(r"[\s\-]+", " ", s.lower()).strip()


_B = r"(?<![A-Za-z0-9])"
_E = r"(?![A-Za-z])"


@lru_cache(maxsize=None)
def _syn_pattern() -> str:
    return _B + "(?:" + _trie_regex(sorted(lexicon()[1])) + ")" + _E


@lru_cache(maxsize=None)
def _regexes() -> tuple[re.Pattern, re.Pattern]:
    """(synonyms under re.I, abbreviations). The re.I synonym pattern is only needed for non-ASCII
    clauses; compiling the large trie takes ~0.1 s, so `find_subjects` asks for it only then."""
    return re.compile(_syn_pattern(), re.I), _abbr_regex()


@lru_cache(maxsize=None)
def _abbr_regex() -> re.Pattern:
    return re.compile(_B + "(?:" + _trie_regex(sorted(lexicon()[2])) + ")" + _E)


@lru_cache(maxsize=None)
def _syn_lowered() -> Optional[tuple[re.Pattern, int]]:
    """The synonym pattern for lower-cased ASCII text (fastre.lowered): same matches, faster."""
    return lowered(_syn_pattern(), re.I)


@lru_cache(maxsize=None)
def _context_rules() -> tuple[Optional[re.Pattern], Optional[re.Pattern]]:
    """(after, before): words next to a lexicon mention that make it a modifier or a therapy, not the
    measured subject ("glucose-lowering drug", "use of insulin"); models/rules/subject_context.jsonl."""
    path = model_file("rules", "subject_context.jsonl")
    sides: dict[str, list[str]] = {"after": [], "before": []}
    for n, rec in read_jsonl(path):
        check_keys(rec, path, n, {"side", "pattern"}, {"why"})
        if rec["side"] not in sides:
            raise RuleFileError(path, n, f"side must be 'after' or 'before', not {rec['side']!r}")
        try:
            re.compile(rec["pattern"])
        except re.error as exc:
            raise RuleFileError(path, n, f"bad pattern: {exc}") from None
        sides[rec["side"]].append(rec["pattern"])
    after = re.compile("|".join(f"(?:{p})" for p in sides["after"]), re.I) if sides["after"] else None
    before = re.compile("(?:" + "|".join(f"(?:{p})" for p in sides["before"]) + ")", re.I) if sides["before"] else None
    return after, before


# a limit on the mention follows ("use of insulin ≥ 20 units/day"); a time amount ("within the past 3 months") or a
# digit inside a name ("GLP-1") is no limit
_LIMIT_FOLLOWS = re.compile(r"[^.;,()]{0,25}?(?:[<>≤≥=]|(?<![-\w])\d(?![\d.,]*\s*(?:days?|weeks?|months?|years?|hours?)\b)|"
                            r"\b(?:positive|negative|detectable|undetectable|normal)\b)", re.I)


def _in_context(text: str, s: int, e: int) -> bool:
    after, before = _context_rules()
    if after is not None and after.match(text, e):
        return True
    return (before is not None and before.search(text, max(0, s - 40), s) is not None
            and not _LIMIT_FOLLOWS.match(text, e))


def find_subjects(text: str, start: int, end: int) -> list[FoundSubject]:
    """Lexicon subjects in text[start:end]: longest match first, no overlaps."""
    entries, syn, abbr = lexicon()
    abbr_rx = _abbr_regex()
    cands = []
    fast = _syn_lowered()
    text_for_syn = text
    f = folded(text)
    if fast is not None and f.plain(max(0, start - fast[1]), end):
        # an ASCII stretch (or characters without case): the lower-cased text and the pattern without
        # re.I (the synonym lookup lower-cases anyway, and offsets are the same)
        syn_rx, text_for_syn = fast[0], f.low
    else:
        syn_rx = _regexes()[0]
    views = [(text_for_syn, 0)]
    if text.find("(", start, end) != -1:
        # "hepatitis C virus (HCV) antibody": also match with short parentheticals blanked out
        # (same length, so offsets hold); the view is the clause and the one character before it
        # that the pattern's lookbehind (_B) sees, `a` its offset in the text
        a = max(0, start - 1)
        piece = text_for_syn[start:end]
        blanked = _PAREN.sub(lambda m: " " * len(m.group(0)), piece)
        if blanked != piece:  # (an unchanged view finds the same matches again)
            views.append((text_for_syn[a:start] + blanked, a))
    for view, a in views:
        for m in syn_rx.finditer(view, start - a, end - a):
            name = syn.get(_norm(m.group(0)))
            if name:
                cands.append((m.start() + a, m.end() + a, name))
    for m in abbr_rx.finditer(text, start, end):
        name = abbr.get(m.group(0))
        if name:
            cands.append((m.start(), m.end(), name))
    cands.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    out: list[FoundSubject] = []
    last_end = -1
    for s, e, name in cands:
        if s < last_end:
            continue
        last_end = e
        # "Hepatitis B surface antigen (HBsAg)": the abbreviation restates the subject before it
        if out and out[-1].name == name and _ABBR_GAP.fullmatch(text, out[-1].end, s):
            continue
        ent = entries[name]
        if ent.not_after is not None and ent.not_after.search(text, max(0, s - 30), s):
            continue
        if _in_context(text, s, e):
            continue
        if _COMPOUND_NEXT.match(text, e):
            continue  # "sodium-glucose co-transporter", "platelet-rich plasma": a modifier in a compound name
        if 1 < s and e < len(text) and text[s - 1] == "-" and text[e] == "-" and text[s - 2].isalnum():
            continue  # "CGI-BP-S": the middle of a scale's name, not blood pressure
        out.append(FoundSubject(s, e, name, ent.category, f"LOINC:{ent.loinc}" if ent.loinc else None))
    return out


_PAREN = re.compile(r"\s\([^()]{1,12}\)(?=\s)")
_COMPOUND_NEXT = re.compile(
    r"-(?!(?:positive|negative|reactive|non-?reactive|detectable|undetectable|level|levels|count|value|values|test|"
    r"based|corrected|adjusted|specific|stable)\b)[A-Za-z]{3,}", re.I)
_ABBR_GAP = re.compile(r"\s*[(\[,]?\s*")
