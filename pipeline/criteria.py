"""Build Criterion records from a segmented text: pair subjects with constraints, distribute
coordinations, form OR-groups, and set negation, polarity, category and computability.

Pure Python over the pure stage functions (segment, thresholds, subjects, temporal, negation);
no spaCy here, so the logic is testable line by line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from . import negation
from .errors import RuleFileError
from .rules import check_keys, read_jsonl
from .expression import to_expression
from .fastre import CaseFolded, Gated, GateSet, WordSets, folded, guarded, needed_words
from .paths import model_file
from .schema import (
    Category, Constraint, Criterion, Logic, LogicOp, Operator, Period, Polarity, Reason, Section, Span,
    Subject, Temporal, Trial,
)
from .segment import Item, Segmentation, _trim_clause, item_text, segment
from .subjects import FoundSubject, find_subjects, lexicon
from .temporal import FoundTemporal, find_periods, find_temporal, half_lives
from .thresholds import Found, bare_values, find_constraints, parse_number

MEASURABLE = {"lab", "vital", "score", "age", "life_expectancy", "lifestyle"}
_SEX_WORD = r"(?:male|female|men|women|males|females|boys|girls|man|woman)"
_PEOPLE = (r"(?:patients?|participants?|subjects?|adults?|volunteers?|individuals?|persons?|people|children|adolescents?|"
           r"infants?|toddlers?|newborns?|neonates?|babies|girls|boys|recipients?|outpatients?|inpatients?|donors?|"
           r"residents?|veterans?)")
_WHO = r"(?:" + _SEX_WORD + "|" + _PEOPLE + r")"  # words for the people a criterion is about
_PAREN = re.compile(r"\([^()]{0,40}\)")
_CONNECTOR = re.compile(r"\s*(?:,|;|\bor\b|\band\b|\band/or\b)\s*", re.I)
_COORD_GAP = re.compile(r"\s*(?:,|and|or|&|/|,\s*and|,\s*or|and/or|as\s+well\s+as)\s*", re.I)
_OR = re.compile(r"\b(?:or|and/or)\b|/", re.I)
# exception markers: what follows is excepted from the statement ("except basal cell carcinoma")
_EXCEPT = Gated(
    r"\b(?:(?:unless|except\s+(?:if|when|where))(?!\s+otherwise\b)|"
    r"except(?:\s+for|\s+in(?!\s+situ\b))?|excepting|with\s+(?:the\s+)?(?:following\s+)?exceptions?(?:\s+(?:of|to))?|"
    r"other\s+than|(?:but\s+)?excluding|not\s+including|apart\s+from|aside\s+from|save\s+for|besides|"
    # "at least 3 months but not exceeding 18 months" bounds a range; it excepts nothing
    r"but\s+not(?!\s+(?:limited|necessarily|only|exclusively|restricted|both|all|yet|always|exceed\w*|to\s+exceed|"
    r"more|less|greater|fewer|over|above|below|under|beyond|higher|lower|longer|shorter|older|younger)\b))\b\s*|"
    r"\bexceptions?\s*:\s*",
    re.I,
)
_CONDITION = CaseFolded(
    r"(?P<c>(?:if|when|for|in)\s+[^,]{3,80}?),\s+|(?P<w>(?:women|females|men|males|participants|patients|subjects)\s+(?:of\s+(?:child[- ]?bearing|reproductive)\s+potential|who\s+are\s+[^,]{3,60}?|with\s+[^,]{3,60}?))\s+(?:must|should|will|need|agree)",
    re.I,
)
_SUBJECT_LEAD = CaseFolded(
    r"(?:(?:patients?|participants?|subjects?|individuals?|those|persons?|people|children|adults?|women|men|volunteers?|girls|boys)\s+"
    r"(?:who\s+(?:have|has|had|are|were|is)\s+(?:a\s+)?|with\s+(?:a\s+)?|having\s+|that\s+have\s+)?)?"
    r"(?:(?:must|should|need\s+to|needs\s+to)\s+(?:not\s+)?(?:have|be|use|show|undergo|receive)\s+)?(?:have\s+|has\s+|had\s+)?"
    r"(?:(?:agrees?|agreement|willing(?:ness)?|able|unable|consent(?:s|ing)?)\s+to\s+(?:use|avoid|sign|provide|give|undergo|take|comply\s+with)?\s*)?"
    r"(?:(?:a|an|any|the)\s+)?"
    r"(?:(?:known|documented|confirmed|laboratory-confirmed|newly\s+diagnosed|relapsed\s+or\s+refractory|current|active|prior|"
    r"previous|history\s+of|evidence\s+of|presence\s+of|primary\s+diagnosis\s+of|diagnosis\s+of|diagnosed\s+with|"
    r"clinical\s+diagnosis\s+of|suspected|significant|uncontrolled|severe|no|not|without|received|receiving|receipt\s+of|"
    r"use\s+of|treatment\s+with|treated\s+with|exposure\s+to|need\s+for|progression\s+on|intolerance\s+to|free\s+of|"
    r"written|signed|provided|obtained|negative|positive|the\s+need\s+for)\s+(?:(?:a|an|any|the|of|with)\s+)?)*",
    re.I,
)
_LIST_TAIL = CaseFolded(r"[\s\w'\-]{1,60}?(?:,[\s\w'\-]{1,60}?)*,?\s+(?:or|and|and/or)\s+[\w'\-]", re.I)
_SPECIMEN = CaseFolded(r"(?:serum|plasma|whole\s+blood|blood|urine|urinary|peripheral\s+blood)\s+", re.I)
_AGREE = Gated(r"\b(?:agree\w*|willing\w*|commit\w*|must\s+use|should\s+use|required\s+to\s+use|use\s+of|using|to\s+use)\b", re.I)
_THERE_IS = CaseFolded(r"(?:there\s+(?:is|are|was|were|has\s+been|have\s+been)|(?:patients?|subjects?|participants?)\s+(?:has|have|had))\s+", re.I)
# _CONDITION ... _SUBJECT_STOP are CaseFolded: on ASCII text (and characters without case) they run
# without re.I over the lower-cased text (same offsets; only offsets and punctuation of their matches
# are used).
# The word stops share one leading \b: checked once per position instead of once per alternative
# (same alternatives in the same order, so the same matches; 3-4x faster).
_SUBJECT_STOP = CaseFolded(
    r"\s*(?:,|;|:|\(|\b(?:that\b|which\b|who\b|whose\b|requiring\b|defined\s+as\b|as\s+(?:defined|evidenced|determined|assessed)\b|"
    r"within\b|prior\s+to\b|before\b|after\b|during\b|in\s+the\s+(?:past|last)\b|except\b|unless\b|including\b|such\s+as\b|"
    r"e\.g\.|i\.e\.|is\b|are\b|was\b|were\b|must\b|should\b|may\b|will\b|can\b|"
    r"of\s+at\s+least\b|at\s+(?:any|a\s+stable|stable|the\s+time)\b|for\s+at\s+least\b|throughout\b|if\b|"
    r"according\s+to\b|by\b|for\s+(?:the\s+)?(?:duration|safety|at\s+least)\b|in\s+the\s+\d|of\s+\d|at\s+screening\b))",
    re.I, guard=True,  # the scan skips to blanks, punctuation and the stop words' first letters
)


@dataclass(frozen=True)
class CategoryRule:
    category: str
    priority: int
    regex: re.Pattern


@lru_cache(maxsize=None)
def category_rules() -> tuple[CategoryRule, ...]:
    path = model_file("rules", "categories.jsonl")
    out = []
    for n, rec in read_jsonl(path):
        check_keys(rec, path, n, {"category", "priority", "pattern"})
        try:
            Category(rec["category"])
            rx = re.compile(rec["pattern"], re.I)
        except (ValueError, re.error) as exc:
            raise RuleFileError(path, n, str(exc)) from None
        out.append(CategoryRule(rec["category"], rec["priority"], rx))
    return tuple(sorted(out, key=lambda r: r.priority))


@lru_cache(maxsize=None)
def _head_rules() -> tuple[re.Pattern, tuple[str, ...]]:
    """The non-statement-level rules as one alternation in priority order: its leftmost match is
    the rule that matches earliest in the text, ties going to the higher priority."""
    rules = [r for r in category_rules() if r.category not in ("judgment", "pregnancy", "consent")]
    rx = re.compile("|".join(f"(?P<r{i}>{r.regex.pattern})" for i, r in enumerate(rules)), re.I)
    return rx, tuple(r.category for r in rules)


_STATEMENT_CATS = ("judgment", "pregnancy", "consent")


@lru_cache(maxsize=None)
def _statement_rules() -> tuple[dict[str, Gated], WordSets]:
    """judgment, pregnancy and consent as Gated patterns (folded: only whether they match is used),
    and their gates found in one scan of the lower-cased statement: bit 2i, the word stems of
    `_GATES` (none for consent); bit 2i+1, the strings one of which the rule's matches need."""
    rules = {r.category: Gated(r.regex.pattern, re.I, max_words=64, fold=True) for r in category_rules()
             if r.category in _STATEMENT_CATS}
    lists = []
    for cat in _STATEMENT_CATS:
        lists += [_GATES.get(cat), rules[cat].words]
    return rules, WordSets(lists)


@lru_cache(maxsize=None)
def _head_scanners() -> tuple[tuple[CaseFolded, ...], WordSets]:
    """Per head rule its pattern (guarded; CaseFolded: only the match start is used), and the
    lower-cased strings one of which each rule's matches contain (None: no such list), all found
    in one scan."""
    rules = [r for r in category_rules() if r.category not in ("judgment", "pregnancy", "consent")]
    return (tuple(CaseFolded(r.regex.pattern, re.I, guard=True) for r in rules),
            WordSets([needed_words(r.regex.pattern, re.I, max_words=500) for r in rules]))


@lru_cache(maxsize=4096)
def _head_rule(target: str) -> Optional[int]:
    """The index of the rule `_head_rules()[0].search(target)` matches with, found rule by rule:
    the alternation's leftmost match is the earliest start of any rule, ties to the lower index.
    A rule whose needed strings are missing from `target` is not searched. Cached: subject phrases
    repeat ("pregnancy", "HIV infection")."""
    low = folded(target).low
    scanners, gates = _head_scanners()
    present = -1 if low is None else gates.find(low)  # -1: every rule may match
    best = None
    for i, rx in enumerate(scanners):
        if not present >> i & 1:
            continue
        m = rx.search(target)
        if m is not None and (best is None or m.start() < best[0]):
            best = (m.start(), i)
    return None if best is None else best[1]


_GATES = {
    "judgment": ("investigator", "researcher", "physician", "doctor", "clinician", "sponsor", "pi", "opinion",
                 "judg", "discretion", "suitab", "inappropriate", "deem", "consider", "healthy", "stable", "health"),
    "pregnancy": ("pregnan", "breast", "lactat", "nursing", "contracep", "child", "wocbp", "birth", "intrauterine",
                  "steril", "menopaus", "abstinen", "hcg", "fertile", "sperm", "egg", "condom", "reproductive"),
}


_TAKEN = re.compile(r"\b(?:use\s+of|using|treat(?:ment|ed)\s+with|taking|receiv(?:ing|ed)|receipt\s+of|requiring|"
                    r"[\w-]+-lowering|supplement(?:s|ation)?|diet|dose|drugs?|medications?)\b", re.I)


def categorize(text: str, subject: Optional[FoundSubject], subject_text: Optional[str] = None,
               has_constraint: bool = False) -> Category:
    """Judgment and pregnancy are decided on the whole statement, then a measurable lexicon subject
    with a constraint, then consent; otherwise the rule that matches earliest in the subject phrase
    (its head), then in the statement."""
    return _categorize(text, None if subject is None else subject.category, subject_text, has_constraint)


@lru_cache(maxsize=4096)
def _categorize(text: str, subject_category: Optional[str], subject_text: Optional[str],
                has_constraint: bool) -> Category:
    """`categorize` on the values it depends on, cached: registries repeat statements ("Pregnant or
    breastfeeding women"), about a quarter of them in a sample of ClinicalTrials.gov."""
    if subject_category == "life_expectancy" and has_constraint:
        return Category.LIFE_EXPECTANCY  # "in the opinion of the investigator" does not make it a judgment (§11.91)
    rules, gates = _statement_rules()
    present = gates.find(text.lower())
    if folded(text).low is None:
        present |= 0b101010  # no trusted lower-cased text: the rules' own gates pass (as Gated.search's)

    def matches(cat: str) -> bool:
        # cheap substring gates before the regex: judgment and pregnancy need one of their word stems,
        # each rule one of the strings its matches contain (Gated.search, gate already known)
        i = _STATEMENT_CATS.index(cat)
        return present >> 2 * i & 3 == 3 and rules[cat].rx.search(text) is not None

    for cat in ("judgment", "pregnancy"):
        if matches(cat):
            return Category(cat)
    if subject_category is not None and has_constraint:
        return Category(subject_category)
    if matches("consent"):
        return Category.CONSENT
    if (subject_category in ("vital", "score") and not has_constraint and _SYNDROME.search(text)):
        return Category.CONDITION  # "congenital long QT syndrome", "QTc prolongation": a condition, not a measurement
    if subject_category is not None and not (subject_category == "lab" and _TAKEN.search(text)):
        return Category(subject_category)  # "use of insulin", "glucose-lowering drug": a therapy, not a lab
    _, cats = _head_rules()
    if has_constraint and subject_text and _SCORE_END.search(subject_text):
        return Category.SCORE  # "Total Symptom Score of at least 10": a score, whatever its words
    for target in (subject_text, text):
        if target:
            i = _head_rule(target)
            if i is not None:
                return Category(cats[i])
    if has_constraint:  # a limit on something the lexicon does not know: "ABCD² score ≥ 4", "calcitonin ≥ 20 ng/L"
        if _SCORE_WORD.search(text):
            return Category.SCORE
        if _LAB_UNIT.search(text):
            return Category.LAB
    return Category.OTHER


_SYNDROME = re.compile(r"\b(?:syndrome|prolongation|disease|disorder|abnormalit(?:y|ies))\b", re.I)
_SCORE_END = re.compile(r"\b(?:score|scale|index)\s*$", re.I)
_SCORE_WORD = re.compile(r"\b(?:score|scale|index|questionnaire)\b", re.I)
_LAB_UNIT = re.compile(r"(?:\b(?:ng|pg|µg|μg|ug|mg|g|mmol|µmol|μmol|umol|nmol|pmol|mEq|m?IU|U|copies|cells)\s*/\s*"
                       r"(?:L|dL|mL|l|dl|ml|µL|μL|uL|mm3|mm³)\b)")


# ------------------------------------------------------------------------------------- pairing


@dataclass
class Atom:
    """One atomic statement before it becomes a Criterion."""

    start: int
    end: int
    subject: Optional[FoundSubject] = None
    constraint: Optional[Found] = None
    op: LogicOp = LogicOp.AND
    condition: Optional[tuple[int, int]] = None  # a subgroup the limit applies to ("in women")
    example: bool = False  # a limit inside "(e.g. ...)": an illustration of the statement, not a requirement
    excepted: bool = False  # a limit inside an exception ("except lesions ≤ 1 cm"): what is excepted
    window: Optional[tuple[int, int]] = None  # the window this statement takes when the span holds several


def _pair(text: str, cs: int, ce: int, subjects: list[FoundSubject], constraints: list[Found]) -> list[Atom]:
    """Attach each constraint to its subject(s); distribute coordinated subjects; split a clause
    into one statement per subject-bearing constraint ("Age 18-75 and ECOG 0-1")."""
    if not constraints:
        subj = subjects[0] if subjects else None
        return [Atom(cs, ce, subj, None)]
    used: set[int] = set()
    prev_end = cs
    groups: list[tuple[list[int], Found]] = []
    for ci, con in enumerate(constraints):
        before = [i for i, s in enumerate(subjects) if i not in used and s.end <= con.start and s.start >= prev_end]
        chosen: list[int] = []
        if before and con.qualitative and _qualifies_next(text, subjects, before[-1], con):
            before = []  # "negative HBsAg and negative HCV antibody": the second "negative" is HCV's
        if before:
            # the nearest subject, plus those coordinated with it ("ALT and AST", "ALT, AST or ALP")
            chosen = [before[-1]]
            for i in reversed(before[:-1]):
                gap = _PAREN.sub("", text[subjects[i].end: subjects[chosen[0]].start])
                if _COORD_GAP.fullmatch(gap):
                    chosen.insert(0, i)
                else:
                    break
        used.update(chosen)
        groups.append((chosen, con))
        prev_end = con.end
    # a constraint with no subject before it may take the next free one ("≥ 18 years of age")
    for gi, (chosen, con) in enumerate(groups):
        if chosen:
            continue
        if gi > 0 and _EQUIV_GAP.fullmatch(text, groups[gi - 1][1].end, con.start):
            continue  # "5.5-10.0 mg/dL (1.78-3.23 mmol/L)": the same limit in other units, not the next subject's
        nxt = groups[gi + 1][1].start if gi + 1 < len(groups) else ce
        after = [i for i, s in enumerate(subjects) if i not in used and s.start < nxt
                 and con.start <= s.start]
        if after and subjects[after[0]].start - con.end <= 40:
            chosen.append(after[0])
            used.add(after[0])
            # "positive HBsAg or HCV antibody", "Positive test for HIV antibody, HBsAg or HCV antibody" (§11.12)
            for i in after[1:]:
                if _COORD_GAP.fullmatch(_PAREN.sub("", text[subjects[chosen[-1]].end:subjects[i].start])):
                    chosen.append(i)
                    used.add(i)
                else:
                    break
    # "(e.g., age over 60 years, BMI ≥ 30 kg/m²)": examples of the statement, not statements of their own
    examples = [g for g in groups if g[0] and _in_examples(text, cs, g[1].start)]
    with_subject = [g for g in groups if g[0] and g not in examples]
    if len(with_subject) <= 1:
        # one statement: the subject-bearing constraint (or the first), distributed over its subjects
        chosen, con = (with_subject or [g for g in groups if g not in examples] or groups)[0]
        op = _coord_op(text, subjects, chosen)
        atoms = [Atom(cs, ce, subjects[i], con, op) for i in chosen] or [Atom(cs, ce, None, con)]
        for extra, extra_op in _chained(text, groups, con):
            g1 = _PAREN_GROUP.search(text, con.start, con.end)
            g2 = _PAREN_GROUP.search(text, extra.start, extra.end)
            if g1 and g2:
                # "QTcF > 450 ms (men) or > 470 ms (women)": a limit per subgroup, not alternatives (§11.40)
                for a in atoms:
                    if a.constraint is con:
                        a.condition = a.condition or (g1.start("group"), g1.end("group"))
                        if (a.start, a.end) == (cs, ce):
                            a.end = g1.end()
                cond = (g2.start("group"), g2.end("group"))
                atoms += [Atom(cs, ce, subjects[i], extra, LogicOp.AND, cond) for i in chosen] \
                    or [Atom(cs, ce, None, extra, LogicOp.AND, cond)]
                continue
            if extra_op == LogicOp.OR:
                for a in atoms:
                    a.op = LogicOp.OR
            atoms += [Atom(cs, ce, subjects[i], extra, extra_op) for i in chosen] or [Atom(cs, ce, None, extra, extra_op)]
        taken = {id(a.constraint) for a in atoms}
        atoms += [Atom(cs, ce, subjects[i], ex, LogicOp.AND, example=True)
                  for ch, ex in examples if id(ex) not in taken for i in ch]
        return atoms
    # several subject-bearing constraints: one statement each; subjectless constraints stay inside
    starts = []
    for chosen, con in with_subject:
        first = min(subjects[chosen[0]].start, con.start)
        spec = _SPECIMEN_BEFORE.search(text, max(cs, first - 24), first)
        if spec:  # "... positive and peripheral blood HBV DNA above ULN": the specimen goes with its analyte
            first = spec.start()
        if not _depth_zero(text, cs, first):
            # "hepatitis B (HBV DNA ≥ 1000) or hepatitis C (HCV RNA positive)": start at "hepatitis C"
            opening = text.rfind("(", cs, first)
            conn = None
            for conn in _CONNECTOR.finditer(text, cs, opening):
                pass
            if conn is not None and (not starts or conn.end() > starts[-1]):
                first = conn.end()
        starts.append(first)
    atoms: list[Atom] = []
    for gi, (chosen, con) in enumerate(with_subject):
        g_start = cs if gi == 0 else starts[gi]
        g_end = starts[gi + 1] if gi + 1 < len(with_subject) else ce
        g_s, g_e = _trim_clause(text, g_start, g_end)
        g_e = max(_cut_connector(text, g_s, g_e), con.end)
        g_s, g_e = _balance(text, g_s, g_e)
        g_e = max(g_e, con.end)
        op = LogicOp.AND
        between_prev = text[_prev_end(with_subject, gi, subjects): starts[gi]] if gi > 0 else ""
        between_next = text[con.end: starts[gi + 1]] if gi + 1 < len(with_subject) else ""
        if _OR.search(between_prev) or _OR.search(between_next):
            op = LogicOp.OR
        else:  # "Platelets < 150, albumin < 3.5 g/dL or INR > 1.2": a comma list ending in "or" is one OR list
            k = gi + 1
            while between_next and _BARE_COMMA.fullmatch(between_next) and k + 1 < len(with_subject):
                between_next = text[with_subject[k][1].end: starts[k + 1]]
                k += 1
            if k > gi + 1 and _OR.search(between_next) and not _AND.search(between_next):
                op = LogicOp.OR
        if len(chosen) > 1 and op == LogicOp.AND:
            op = _coord_op(text, subjects, chosen)
        group_atoms = [Atom(g_s, g_e, subjects[i], con, op) for i in chosen]
        for extra, extra_op in _chained(text, groups, con):
            if extra.end > g_e:
                break
            group_atoms += [Atom(g_s, g_e, subjects[i], extra, extra_op) for i in chosen]
        atoms.extend(group_atoms)
    return atoms


_BARE_COMMA = re.compile(r"\s*,\s*")
_AND = re.compile(r"\band\b(?!/or)", re.I)
_EQUIV_END = re.compile(r"\s*[)\]]")
_EQUIV_GAP = re.compile(r"\s*[(\[]\s*(?:=|≈|~|approximately|approx\.?|equivalent\s+to|or)?\s*", re.I)
_SPECIMEN_BEFORE = re.compile(r"(?<![\w-])(?:peripheral\s+blood|whole\s+blood|serum|plasma|urine|urinary)\s+$", re.I)
_EXAMPLES_OPEN = re.compile(r"\(\s*(?:e\.\s?g\.?|such\s+as|including|for\s+example|for\s+instance)", re.I)


def _in_examples(text: str, s: int, pos: int) -> bool:
    """pos lies in an open parenthesis that lists examples ("(e.g., ...", "(such as ...")."""
    opening = text.rfind("(", s, pos)
    return (opening >= 0 and ")" not in text[opening:pos] and _EXAMPLES_OPEN.match(text, opening) is not None)


_JOINED_BEFORE = re.compile(r"\s*(?:,|;|\band\b|\bor\b|\band/or\b)\s*", re.I)


def _qualifies_next(text: str, subjects: list[FoundSubject], prev: int, con: Found) -> bool:
    """A qualitative word written before its subject ("... and negative HCV antibody"): a connector
    before it and a subject right after it."""
    nxt = next((sj for sj in subjects if sj.start >= con.end), None)
    return (nxt is not None and not text[con.end:nxt.start].strip()
            and _JOINED_BEFORE.fullmatch(text, subjects[prev].end, con.start) is not None)


_AGE_CODE = "LOINC:30525-0"
_AGE_PEOPLE = re.compile(r"(?P<w>adult\s+patients|" + _PEOPLE + r")\b", re.I)
_AGE_PREFIX = re.compile(
    r"(?:[\s,]*(?:healthy|male|female|males|females|men|women|and|or|adults?|adult\s+patients|patients?|participants?|"
    r"subjects?|volunteers?|children|adolescents?|individuals?|persons?|people|boys|girls|infants?|aged?|ages|between|"
    r"from|who\s+are|are|is|be|must\s+be|should\s+be|over|under|above)\b)*[\s,:(\[]*",
    re.I,
)


_IMPLICIT_AGE = "implicit_age"


def _implicit_age(text: str, cs: int, con: Found) -> bool:
    """"18-65 years", "Over 18 years", "Adults 18 years and older": an age with no age word."""
    return (con.unit_normalized in ("a", "mo") and con.unit_span is not None and con.value is not None
            and _AGE_PREFIX.fullmatch(text, cs, con.start) is not None)


# ("to", "-": the two bounds of a range written in different units, "6 months to 65 years", §11.13)
_CHAIN = re.compile(r"\s*,?\s*(?P<op>or|and|and/or|,|to|through|-|–)?\s*", re.I)


def _chained(text: str, groups, con: Found):
    """Subjectless constraints right after `con`, joined by and/or: a second comparison of the same
    subject ("BMI < 20 or > 35 kg/m2", "age ≥ 21 and ≤ 60 years"). A unit written only after the
    last value is the unit of all of them (`unit_normalized`; `unit` as written stays empty, §11.49)."""
    for extra, op in _chained_raw(text, groups, con):
        if extra.unit_normalized and con.unit_normalized is None and con.value is not None and not con.qualitative:
            con.unit_normalized = extra.unit_normalized
        yield extra, op


def _chained_raw(text: str, groups, con: Found):
    prev = con
    found = False
    for chosen, other in groups:
        if other is con:
            found = True
            continue
        if not found or other.start < prev.end:
            continue
        if chosen:
            break
        m = _CHAIN.fullmatch(text, prev.end, other.start)
        if not m or other.operator in ("normal",) or other.qualitative:
            break
        yield other, LogicOp.OR if (m.group("op") or "").lower() in ("or", "and/or") else LogicOp.AND
        prev = other


def _coord_op(text: str, subjects: list[FoundSubject], chosen: list[int]) -> LogicOp:
    """"ALT or AST > 2.5 × ULN": coordinated subjects joined by "or" are alternatives."""
    if len(chosen) > 1:
        gap = text[subjects[chosen[0]].end: subjects[chosen[-1]].start]
        if re.search(r"\bor\b", _PAREN.sub("", gap), re.I) and not re.search(r"\band\b", gap, re.I):
            return LogicOp.OR
    return LogicOp.AND


_LABEL = re.compile(r"(?P<label>[A-Za-z][^:;()\d<>≤≥=\n]{1,60}?|[A-Za-z][^:;()\d<>≤≥=\n]{1,140}?\bfollowing\b[^:;()<>≤≥=\n]{0,60}?)"
                    r"\s*:\s+(?=\S)")  # (a longer lead-in that announces a list: "... within the following washout periods:")
_DEFINED = Gated(r",?\s*(?<!as\s)\b(?:defined\s+as|characteri[sz]ed\s+by|evidenced\s+by)\s+", re.I)
_VERB_CONJ = Gated(
    r"\s*,?\s+(?:and|but)\s+(?=(?:must|should|agrees?|will|cannot|needs?\s+to|is\s+required|are\s+required|"
    r"agreement\s+to|have\s+an?|use\s+of\s+(?:two|an?|at\s+least|highly|effective|adequate|reliable|acceptable)|no(?!\s+(?:more|less|longer|shorter|greater|fewer|later|earlier|higher|lower|older|"
    r"younger|than)\b)|"
    # "... and the serum lithium level must be 0.6-1.2 mmol/L": a clause with its own subject and modal
    r"the\s+(?:[\w-]+\s+){1,4}(?:must|should|is\s+required|are\s+required)|"
    # "Methotrexate ≤ 25 mg/week and at a stable dose for 4 weeks": a second requirement (§11.6)
    r"(?:at|on)\s+(?:an?\s+)?stable\s+dose|"
    # "must be 18 to 65 years old and meet DSM-5 criteria": a second verb of the same modal (checked below)
    r"(?P<bare>meet|meets|have|has|be|show|demonstrate|undergo|use|practi[cs]e|abstain)\s)\b)|"
    # "must be of non-childbearing potential or, if of childbearing potential, must use ...": an alternative
    r"\s+(?P<op>or)\s*,\s*(?=if\b)",
    re.I, min_strength=2,  # gated on the verbs after "and"/"but" and the "if" after "or,"
)
_BARE_COMMA_CUT = re.compile(r"\s*,\s*(?!(?:and|or|and/or|but|with|including|except|unless|which|who|that)\b)", re.I)
_PAREN_NO = Gated(r"\s*\((?=\s*(?:no|without)\s+(?!(?:or|more|less|longer|shorter|greater|fewer|later|earlier|higher|lower|"
                  r"older|younger|than)\b))", re.I)
_NO_NOUN = re.compile(r"no\s+(?!(?:or|more|less|longer|shorter|greater|fewer|later|earlier|higher|lower|older|younger|than)\b)",
                      re.I)
_WITH_NO = Gated(r"\s*,?\s+with\s+(?=no\s+(?!(?:or|more|less|longer|shorter|greater|fewer|later|earlier|higher|lower|"
                 r"older|younger|than)\b))", re.I)
_RESULT_WORD = r"(?:positive|negative|reactive|non-?reactive|detectable|undetectable)"
_AND_RESULT = Gated(r"\s+(?:with|and)\s+(?:an?\s+)?(?=" + _RESULT_WORD + r"\s+(?:[\w/-]+\s+){0,4}?"
                    r"(?:tests?|results?|assays?|PCR|cultures?|serology|smears?|swabs?)\b)", re.I)
_COMMA_RESULT = Gated(r"\s*,\s*(?=(?:[\w/-]+\s+){1,3}(?P<res>(?:not\s+)?(?:detected|" + _RESULT_WORD[3:] + r"\s*$))",
                      re.I)
_CONFIRMED_BY_RESULT = Gated(r"\s*,?\s+(?:as\s+)?(?:confirmed|documented|evidenced|demonstrated|shown)\s+by\s+(?:an?\s+)?"
                             r"(?=" + _RESULT_WORD + r"\b)", re.I)
_VERB_BEFORE_ON = re.compile(r"(?:\w+ed|kept|be|been|is|are|was|were|remain|remains|stay|stays)\s*$", re.I)
_ON_STABLE = Gated(r"\s+on\s+an?\s+(?=stable\s+(?:[\w-]+\s+){0,2}(?:regimens?|doses?|therapy|treatment)\b)", re.I)
_COUNT_NEXT = Gated(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+)(?=\\?[≥≤<>]|at\s+least|more\s+than|fewer\s+than|less\s+than)", re.I)
_COUNT_NOUN = re.compile(r"\s*(?!(?:and|or|x|×|times|per|of|in|on|at|to|the)\b)[a-z][a-z-]+", re.I)
_PAST_VERB_START = re.compile(r"(?:completed|received|achieved|undergone|underwent|had|failed|experienced)\b", re.I)
_AND_PAST_VERB = re.compile(r"\s+and\s+(?=(?:completed|received|achieved|undergone|underwent|failed|experienced|"
                            r"demonstrated|shown)\b)", re.I)
_COUNT_START = re.compile(r"(?:at\s+least|more\s+than|≥|>=|\\>=)\s*\d+\s+(?!(?:mg|g|kg|mL|L|%|x|×|times)\b)[a-z]", re.I)
# "... ≥ 36 weeks of gestation with a birth weight of at least 1,800 g": a measured subject with its own limit
_MEASURED_WITH = re.compile(r"(?:[\w-]+\s+){1,3}(?:of\s+)?(?:at\s+least|more\s+than|less\s+than|≥|≤|>|<|\\[<>])", re.I)
_DURATION_BEFORE = re.compile(r"\b(?:for|lasting|since|within|past|last|previous|over|during)\s+(?:the\s+)?"
                              r"(?:at\s+least\s+|more\s+than\s+|less\s+than\s+|a\s+minimum\s+of\s+)?$", re.I)
_AND_SCORE = Gated(r"\s+and\s+(?:an?\s+|the\s+)?", re.I, min_strength=1)
_SCORE_HEAD = re.compile(r"(?:[\w-]+\s+){0,3}(?:score|scale|index|grade)(?:\s*\([^()]{1,12}\))?\s+(?:of\s+)?", re.I)
_COMMA_STAGE = Gated(r"\s*,\s+(?=(?:(?:AJCC|FIGO|TNM|Ann\s+Arbor|ISS|R-ISS|BCLC)\s+)?stage\s+(?:[0IV]+|[1-4])\b)", re.I)
_AND_WILLING = Gated(r"\s+(?=who\s+(?:agree|are\s+willing)\s+to\b)", re.I)
_CONFIRMING = Gated(r"\s*,?\s+(?:confirming|showing|demonstrating|documenting|revealing)\s+(?:an?\s+|the\s+)?", re.I)
_PEOPLE_PHRASE = re.compile(r"(?:(?:" + _SEX_WORD + "|" + _PEOPLE + r")\s*(?:and|or|/)?\s*)+(?:(?:of\s+)?(?:non-)?(?:child-?bearing|"
                          r"reproductive)\s+potential)?", re.I)
_MODAL = re.compile(r"\b(?:must|should)\b", re.I)
_COMMA_CONJ = Gated(r"\s*,\s*(?P<op>or|and)\s+", re.I, min_strength=1)
# a part split off starts at its noun: not at "a", "the", "who", "at a" ("and at a stable dose for 4 weeks")
_PART_LEAD = re.compile(r"(?:(?:at|on)\s+(?:an?\s+)?(?=stable\b)|(?:an?|the|who)\s+(?=[\w\"“]))", re.I)
# "consent from the participant, or from a legal representative": one requirement with alternatives inside
_PREP_START = re.compile(r"(?:from|by|for|with|to|in|on|at(?!\s+(?:least|most)\b)|of(?!\s+(?:child-?bearing|reproductive)\s+"
                         r"potential\b))\b", re.I)
_DANGLING = re.compile(r"\b(?:on|to|of|in|with|for|from|by|at|a|an|the)\s*$", re.I)
# (not a window after the comma: "A, or B, in the 12 months before screening" are two alternatives, 11.137)
_SHARED_TAIL = re.compile(r"[^,;()]{1,60}?,\s*(?:of|to|on|(?!in\s+the\s+(?:\d|past|last|previous|preceding|prior))in|with|for)\s",
                          re.I)
_BARE_OR = Gated(r"\s+(?P<op>or)\s+", re.I, min_strength=1)


def _words(text: str, s: int, e: int) -> int:
    """The number of words in text[s:e]. Kept for the last text: `_subclauses` asks for the same
    ranges again (more than half of its calls), a dict lookup is cheaper than the scan."""
    if _counted[0] is not text:
        _counted[0], _counted[1] = text, {}
    n = _counted[1].get((s, e))
    if n is None:
        n = _counted[1][s, e] = len(_WORD.findall(text, s, e))
    return n


_counted: list = [None, {}]  # the last text `_words` counted in, and its counts by range


_WORD = re.compile(r"[A-Za-z]{2,}")  # no lookaround: the same words in text[s:e] as in the slice


def _depth_zero(text: str, s: int, pos: int) -> bool:
    return text.count("(", s, pos) <= text.count(")", s, pos)


def _subclauses(text: str, s: int, e: int, found: list[Found],
                inclusion: bool = False) -> list[tuple[int, int, LogicOp, Optional[str]]]:
    """Refine a clause: drop a "Label:" prefix, keep the definition of "X, defined as Y" when it is
    measurable, and split conjoined requirements ("... and must ...", "A, or B")."""
    label = None

    def cons(a: int, b: int) -> list[Found]:
        return [c for c in found if a <= c.start and c.end <= b]

    m = _LABEL.match(text, s, e) if text.find(":", s, e) != -1 else None  # a label needs its colon
    if m and not re.search(r"\b(?:e\.g|i\.e|including|such as|except)\b", m.group("label"), re.I) \
            and not _POPULATION.match(m.group("label")) \
            and not re.match(r"(?:including|such\s+as|e\.g|i\.e|especially|particularly|namely|for\s+example)\b", text[m.end():e], re.I):
        label = m.group("label").strip()
        s = m.end()
    m = _DEFINED.search(text, s, e)
    if m and _depth_zero(text, s, m.start()) and cons(m.end(), e):
        s = m.end()
    # "Uncontrolled hypertension (systolic BP > 150 mmHg or diastolic > 95 mmHg)": the parenthesis defines
    m = _PAREN_DEF.fullmatch(text, s, e) if text.find("(", s, e) != -1 else None
    if m and (_EXCEPT.search(text, s, m.start("body")) or (
            m.start("body") - s > 81 and not any(sj.category in ("lab", "vital", "score")
                                                 for sj in find_subjects(text, m.start("body"), m.end("body"))))):
        m = None  # "except skin cancer (stage 0-II)": the excepted thing's; a long lead needs a measured definition
    body = [c for c in cons(m.start("body"), m.end("body")) if c.unit_normalized not in _TIME_UNITS] if m else []
    if body and _GRADING_BODY.match(text, m.start("body") - 1):
        body = []  # "Decompensated cirrhosis (Child-Pugh B or C)": the parenthesis grades the term (11.245)
    # "Heavy drinking (more than 14 units per week)": a bare threshold measures the term itself (one statement)
    measured_body = bool(m) and any(sj.category in ("lab", "vital", "score")
                                    for sj in find_subjects(text, m.start("body"), m.end("body")))
    if (m and not [c for c in cons(s, m.start("body")) if not (measured_body and c.unit_normalized in _TIME_UNITS)] and body
            and (_words(text, m.start("body"), body[0].start) >= 1
                 # "Rapid cycling (4 or more mood episodes in 12 months)": a count of named things
                 or (body[0].unit_normalized is None and body[0].value is not None
                     and _COUNTED_NOUNS.match(text, body[0].end, m.end("body"))))
            and not _EXCEPT.match(text, m.start("body")) and not _EXAMPLES_OPEN.match(text, m.start("body") - 1)):
        head_end = m.start("body") - 1
        alt = None
        for am in _HEAD_ALT.finditer(text, s, head_end):
            if _depth_zero(text, s, am.start()) and _words(text, s, am.start()) >= 1 and _words(text, am.end(), head_end) >= 1:
                alt = am
        if alt is not None and not label:
            # "Type 1 diabetes or poorly controlled type 2 diabetes (HbA1c > 9%)": the parenthesis defines the last
            # alternative only; the one before it is a statement of its own (11.468)
            before = _trim_clause(text, s, alt.start())
            rest = _subclauses(text, m.start("body"), m.end("body"), found, inclusion)
            head = text[alt.end():head_end].strip()
            including = alt.group(0).strip(" ,").lower().startswith("including")
            op = LogicOp.AND if including else LogicOp.OR
            return [(before[0], before[1], op, None)] + [
                (a, b, LogicOp.OR if not including else o, lab or head) for a, b, o, lab in rest]
        label = label or text[s:head_end].strip()
        s, e = m.start("body"), m.end("body")
    # the cut patterns' word gates over the clause, in one scan
    gates = _CUT_GATES.at(text, s, e)
    pieces: list[tuple[int, int, LogicOp]] = []
    cuts: list[tuple[int, int, LogicOp]] = []
    # "Male or female patients aged 18 ...": the sex words are a statement of their own
    m = _SEX_LEAD.match(text, s, e)
    if m:
        if m.group("healthy"):  # "Healthy male or female volunteers aged ...": three statements (§11.8)
            cuts.append((m.end("healthy"), m.start("sex"), LogicOp.AND))
        cuts.append((m.end("sex"), m.end(), LogicOp.AND))
    m = gates.search(_SEX_TAIL)
    if m and m.start() > s:
        cuts.append((m.start(), m.start("sex"), LogicOp.AND))
    # "Adults aged ≥ 18 years with confirmed X" / "HIV-1 infected adults aged 18 years or above"
    for con in cons(s, e):
        if _DURATION_BEFORE.search(text, max(s, con.start - 30), con.start):
            continue  # "pain for at least 3 months, with ...": a duration, not an age
        if con.unit_normalized in ("a", "mo") or re.search(r"\bage", text[max(s, con.start - 12):con.start], re.I):
            tail = _AGE_TAIL.match(text, con.end, e)
            w = _WITH.match(text, tail.end(), e)
            if w and _words(text, w.end(), e) >= 2:
                cuts.append((w.start(), w.end(), LogicOp.AND))
            p = _PARTICIPLE.match(text, tail.end(), e)
            if p and _words(text, p.end(), e) >= 1:  # "aged 18 years or older receiving dialysis", "living with HIV-1"
                cuts.append((p.start(), p.start("verb"), LogicOp.AND))
            # "HIV-1 infected adults, 18 to 65 years of age": an age after a comma is a statement of its own
            comma = _COMMA_BEFORE.search(text, s, con.start)
            if (comma and con.unit_normalized in ("a", "mo")
                    and (_AGE_WORD_AFTER.match(text, con.end, e) or _AGE_WORD_END.search(text, con.start, con.end))
                    and _words(text, s, comma.start()) >= 2 and _depth_zero(text, s, comma.start())):
                cuts.append((comma.start(), comma.end(), LogicOp.AND))
            a = _AGED_BEFORE.search(text, s, con.start)
            if a and _OF_END.search(text, s, a.start("aged")):
                a = None  # "10 to 17 years of\n age": the age word of the limit itself
            if a and a.start() > s and not _OTHER_AGE.search(text, s, a.start("aged")) and _depth_zero(text, s, a.start()):
                before = re.sub(_PEOPLE, " ", text[s:a.start("aged")], flags=re.I)
                if len(re.findall(r"[A-Za-z]{2,}", before)) >= 1:
                    cuts.append((a.start("aged"), a.start("aged"), LogicOp.AND))
    # "Haemoglobin ≥ 9 g/dL without transfusion in the previous 14 days": a second requirement
    for w in gates.finditer(_WITHOUT):
        before = [c for c in cons(s, w.start()) if c.value is not None]
        if before and before[-1].end <= w.start() and _words(text, w.end(), e) >= 3 and _depth_zero(text, s, w.start()):
            cuts.append((w.start(), w.start() + len(w.group(0)) - len(w.group(0).lstrip()), LogicOp.AND))
        # "including a myocardial infarction in the 6 months before ...": an example with its own window
    for inc in gates.finditer(_INCLUDING):
        if not _depth_zero(text, s, inc.start()):
            continue
        # what an exception clause after the list measures ("except ibuprofen up to 1200 mg/day") is not the
        # example's own
        exc = _EXCEPT.search(text, inc.end(), e)
        stop = exc.start() if exc else e
        windows = find_temporal(text, inc.end(), stop)
        # "Anticancer therapy, including chemotherapy or biologics, within 3 weeks before ...": a window
        # after a comma scopes the whole statement, the list stays inside it
        # (so do the windows chained to it: "..., within 14 days or 5 half-lives (...) before dosing")
        own_windows = [t for t in windows if not text[max(inc.end(), t.start - 2):t.start].strip().endswith(",")]
        if windows and windows[0] not in own_windows:
            own_windows = []
        if cons(inc.end(), stop) or own_windows:
            cuts.append((inc.start(), inc.end(), LogicOp.AND))
    # "Chronic heart failure diagnosed ≥ 3 months ago, with NYHA class II-IV symptoms": a second requirement
    for w in gates.finditer(_SECOND_REQ):  # "urothelial carcinoma with progression on prior platinum" (§11.59)
        if _depth_zero(text, s, w.start()) and _words(text, s, w.start()) >= 2 and _words(text, w.end(), e) >= 3:
            cuts.append((w.start(), w.end(), LogicOp.AND))
    for w in gates.finditer(_WHILE_ON):  # "HbA1c 7.5-11.0% while on a stable dose of metformin" (§11.6)
        if _depth_zero(text, s, w.start()) and _words(text, s, w.start()) >= 1 and _words(text, w.end(), e) >= 2:
            if w.group("while") or any(c.value is not None and c.end <= w.start() for c in cons(s, w.start())):
                cuts.append((w.start(), w.end(), LogicOp.AND))  # "HbA1c ≤ 9.5% on a stable regimen": after a limit
    if inclusion:
        # inclusion "Histologically confirmed NASH with fibrosis stage F2 or F3": a diagnosis and a measured
        # requirement, both required (in exclusion the measurement narrows the condition instead, §11.17)
        for w in gates.finditer(_WITH_MEASURE):
            right = cons(w.end(), e)
            if (_depth_zero(text, s, w.start()) and _words(text, s, w.start()) >= 2
                    and (not cons(s, w.start()) or (_MEASURED_WITH.match(text, w.end(), e) and _words(text, s, w.start()) >= 3))
                    and right and right[0].start - w.end() <= 60
                    and (any(sj.start == w.end() and sj.category in MEASURABLE
                             for sj in find_subjects(text, w.end(), right[0].start))
                         # "... on the trunk with a plaque severity score of ≥ 3": a score the lexicon does not know
                         or _SCORE_HEAD.fullmatch(text, w.end(), right[0].start) is not None
                         # "on-demand treatment with at least 6 bleeding episodes in the 6 months": a count
                         or (right[0].start == w.end() and _COUNT_START.match(text, w.end(), e) is not None))):
                cuts.append((w.start(), w.end(), LogicOp.AND))
        # inclusion "Hospitalised with bronchiolitis and a positive RSV test ...": a test result is a second requirement
        for w in gates.finditer(_AND_RESULT):
            if (_depth_zero(text, s, w.start()) and _words(text, s, w.start()) >= 3
                    and not _PEOPLE_PHRASE.fullmatch(text[s:w.start()].strip())):  # "Women of childbearing potential with ..."
                cuts.append((w.start(), w.end(), LogicOp.AND))
        # inclusion "... with a positive sputum culture, rifampicin resistance not detected": a result after a comma
        for w in gates.finditer(_COMMA_RESULT):
            if _depth_zero(text, s, w.start()) and _words(text, s, w.start()) >= 3 and w.end("res") == _trim_clause(text, s, e)[1]:
                cuts.append((w.start(), w.end(), LogicOp.AND))
        # inclusion "Not pregnant, as confirmed by a negative urine pregnancy test": the test result is a requirement
        for w in gates.finditer(_CONFIRMED_BY_RESULT):
            if _depth_zero(text, s, w.start()) and _words(text, s, w.start()) >= 2:
                cuts.append((w.start(), w.end(), LogicOp.AND))
        # inclusion "Documented HIV-1 infection on a stable antiretroviral regimen for 6 months": a second requirement
        for w in gates.finditer(_ON_STABLE):
            if (_depth_zero(text, s, w.start()) and _words(text, s, w.start()) >= 2 and _words(text, w.end(), e) >= 2
                    and not _VERB_BEFORE_ON.search(text, s, w.start())):  # not "must have been maintained on a ..."
                cuts.append((w.start(), w.end(), LogicOp.AND))
        # inclusion "Neurologically stable with no relapse within 30 days": a second, negated requirement
        for w in gates.finditer(_WITH_NO):
            if _depth_zero(text, s, w.start()) and _words(text, s, w.start()) >= 2 and _words(text, w.end(), e) >= 2:
                cuts.append((w.start(), w.end(), LogicOp.AND))
    # "Melanoma completely resected with negative margins, stage III or IV (AJCC 8th edition)": the stage is a
    # requirement of its own (sets K and M)
    for w in gates.finditer(_COMMA_STAGE):
        if _depth_zero(text, s, w.start()) and _words(text, s, w.start()) >= 3:
            cuts.append((w.start(), w.end(), LogicOp.AND))
    # "... with a negative pregnancy test who agree to use two methods of contraception": a second requirement
    for w in gates.finditer(_AND_WILLING):
        if _depth_zero(text, s, w.start()) and _words(text, s, w.start()) >= 3 and _words(text, w.end(), e) >= 3:
            cuts.append((w.start(), w.end(), LogicOp.AND))
    # "Right heart catheterisation before screening confirming mean PAP > 20 mmHg": the results a procedure must show
    # are statements of their own (set K 11.303)
    for w in gates.finditer(_CONFIRMING):
        right = cons(w.end(), e)
        if (_depth_zero(text, s, w.start()) and _words(text, s, w.start()) >= 2 and right
                and right[0].start - w.end() <= 50
                and any(sj.category in MEASURABLE and sj.start - w.end() <= 6
                        for sj in find_subjects(text, w.end(), right[0].start))):
            cuts.append((w.start(), w.end(), LogicOp.AND))
    # "UAS7 of 16 or more and an itch severity score (ISS7) of at least 8": two scores, each with its own limit
    for w in gates.finditer(_AND_SCORE):
        right = cons(w.end(), e)
        if (_depth_zero(text, s, w.start()) and right and cons(s, w.start())
                and _SCORE_HEAD.fullmatch(text, w.end(), right[0].start)):
            cuts.append((w.start(), w.end(), LogicOp.AND))
    # "≥ 6 swollen joints (of 66) and ≥ 6 tender joints (of 68)", "DAS28 > 3.2, ≥ 6 swollen joints": counts of
    # different things, each with its own limit (§2)
    for w in gates.finditer(_COUNT_NEXT):
        right = cons(w.end(), e)
        left = cons(s, w.start())
        if (_depth_zero(text, s, w.start()) and right and right[0].start == w.end() and right[0].unit_normalized is None
                and right[0].value is not None and left and left[-1].value is not None
                and _COUNT_NOUN.match(text, right[0].end, e)):
            cuts.append((w.start(), w.end(), LogicOp.AND))
    # "Heart failure diagnosed at least 3 months before screening, NYHA class II-IV": a dated condition, then a
    # measured subject with its own limit
    dated = None
    for w in (_BARE_COMMA_CUT.finditer(text, s, e) if found and "," in text[s:e] else ()):
        right = cons(w.end(), e)
        if not (right and _depth_zero(text, s, w.start()) and _words(text, s, w.start()) >= 3):
            continue
        if dated is None:  # the clause's windows with an amount, found once and only for a candidate comma
            dated = [t for t in find_temporal(text, s, e) if t.amount is not None]
        if not any(t.end <= w.start() for t in dated) or not _measured_next(text, w.end(), right[0]):
            continue
        windows = [t for t in dated if t.end <= w.start()]
        if all(any(t.start <= c.start < t.end for t in windows) for c in cons(s, w.start())):
            cuts.append((w.start(), w.end(), LogicOp.AND))
    # "platelet count ≥ 75 × 10⁹/L (no platelet transfusion within 7 days)": a requirement of its own (§11.7)
    for w in (gates.finditer(_PAREN_NO) if text.find("(", s, e) != -1 else ()):  # it needs its "("
        close = _paren_end(text, w.end(), e)
        if (close is not None and not text[close + 1:e].strip(" .;,") and _depth_zero(text, s, w.start())
                and any(c.value is not None and c.end <= w.start() for c in cons(s, w.start()))
                and _words(text, w.end(), close) >= 2
                # with its own window; "(without growth factor support)" says how the value was obtained
                and any(t.amount is not None for t in find_temporal(text, w.end(), close))):
            cuts.append((w.start(), w.end(), LogicOp.AND))
            cuts.append((close, e, LogicOp.AND))
    for w in gates.finditer(_WITH_CLAUSE):
        # ("HBeAg negative, with anti-HBe positive or negative": two words suffice after a limit of their own)
        if (_depth_zero(text, s, w.start()) and _words(text, w.end(), e) >= 2
                and (_words(text, s, w.start()) >= 3 or (_words(text, s, w.start()) == 2 and cons(s, w.start())))):
            cuts.append((w.start(), w.end(), LogicOp.AND))
    # "Completed the induction period and achieved clinical response at week 12": two past events, two requirements
    m = _PAST_VERB_START.match(text, s, e)
    if m:
        for w in _AND_PAST_VERB.finditer(text, m.end(), e):
            if _depth_zero(text, s, w.start()) and _words(text, s, w.start()) >= 3 and _words(text, w.end(), e) >= 2:
                cuts.append((w.start(), w.end(), LogicOp.AND))
                break
    for rx in (_VERB_CONJ, _COMMA_CONJ):
        for mm in gates.finditer(rx):
            if not _depth_zero(text, s, mm.start()):
                continue
            # "A, or B, or C": the left part of the second ", or" begins after the first
            ls = s
            if rx is _COMMA_CONJ:
                for prev_conj in _COMMA_CONJ.finditer(text, s, mm.start()):
                    if _depth_zero(text, s, prev_conj.start()):
                        ls = prev_conj.end()
            left_words = _words(text, ls, mm.start())
            right_words = _words(text, mm.end(), e)
            if rx is _VERB_CONJ and left_words < (2 if _NO_NOUN.match(text, mm.end(), e) else 3):
                continue  # "Intact membranes and no contractions": two requirements
            if rx is _VERB_CONJ and mm.groupdict().get("bare") and not _MODAL.search(text, s, mm.start()):
                continue  # "... and have": only after "must"/"should" is it a second requirement
            if rx is _VERB_CONJ and mm.groupdict().get("bare") and _words(text, mm.end(), e) < 3:
                continue
            # one word before is a list head ("HIV, or hepatitis B or C") unless it is a condition's name and a
            # whole criterion follows ("Cirrhosis, or hepatocellular carcinoma suspected on imaging")
            one_word_head = (left_words == 1 and right_words >= 4 and _CONDITION_WORD.fullmatch(text[s:mm.start()].strip()))
            # "Pregnant, breastfeeding, or women of childbearing potential not using ...", ", or a positive test":
            # a new group of people or a test result after a list opens an alternative of its own
            # (not a window after the last alternative: in registry text "lactulose, rifaximin, or other antibiotics
            # within 7 days" the window scopes the whole list; 11.272 was withdrawn)
            new_head = rx is _COMMA_CONJ and right_words >= 3 and _NEW_HEAD.match(text, mm.end(), e) is not None
            # "Known eGFR < 15 mL/min/1.73 m², or dialysis": one word after a measured limit is an alternative of its own
            new_head = new_head or (rx is _COMMA_CONJ and right_words == 1 and mm.group("op").lower() == "or"
                                    and any(c.value is not None and c.unit_normalized not in _TIME_UNITS
                                            and _depth_zero(text, ls, c.start) for c in cons(ls, mm.start()))
                                    and left_words >= 2 and not _depth_zero_comma(text, ls, mm.start()))
            if rx is _COMMA_CONJ and not new_head and ((left_words < 2 and not one_word_head) or right_words < 2 or _depth_zero_comma(text, ls, mm.start())
                                      or (mm.group("op").lower() == "and" and not _ANY_DIGIT.search(text, s, e))):
                continue  # "ALT, AST, or ALP", "HIV, or hepatitis B or C": lists, not separate requirements
            if rx is _COMMA_CONJ and _CONDITIONAL_LIMIT.match(text, mm.end(), e):
                continue  # "Platelets ≥ 75, or ≥ 50 if ...": a second limit of the same subject for a subgroup (§11.40)
            if rx is _COMMA_CONJ and _one_object(text, s, mm, e) and not _both_windowed(text, ls, mm, e):
                continue  # "Progression on, or intolerance to, X", "History, or history in a sibling, of X": one object
            op = LogicOp.OR if (mm.groupdict().get("op") or "").lower() == "or" else LogicOp.AND
            cuts.append((mm.start(), mm.end(), op))
    for mm in gates.finditer(_BARE_OR):
        if not _depth_zero(text, s, mm.start()) or any(a <= mm.start() < b for a, b, _ in cuts):
            continue
        right = _words(text, mm.end(), e)
        right_cons = cons(mm.end(), e)
        if _defined_pair(text, s, mm, e, cons):
            # "Active hepatitis B (positive HBsAg) or hepatitis C (detectable HCV RNA)": two defined terms (11.5)
            cuts.append((mm.start(), mm.end(), LogicOp.OR))
            continue
        if (_words(text, s, mm.start()) >= 2 and (right >= 4 or (right >= 2 and _OR_PARTICIPLE.match(text, mm.end(), e)))
                and not _OR_CONTINUES.match(text, mm.end(), e) and text[mm.start() - 1] != "-"
                # "LVEF ≥ 50% by echocardiogram or MUGA within 28 days": the "or" goes on with the method
                and not (_METHOD_BEFORE_OR.search(text, max(s, mm.start() - 50), mm.start())
                         and not _STANDALONE.match(text, mm.end(), e)
                         and not any(sj.start == mm.end() and sj.category in MEASURABLE
                                     for sj in find_subjects(text, mm.end(), min(e, mm.end() + 40))))
                and (any(f.value is not None or f.values for f in cons(s, mm.start())) or _STANDALONE.match(text, mm.end(), e))
                and not right_cons and not _one_object(text, s, mm, e)):
            # "Heart rate < 50 bpm or AV block ...", "Active bleeding or high risk of bleeding ...": the
            # alternative after "or" is a criterion of its own (a threshold before it, or a criterion head after it)
            cuts.append((mm.start(), mm.end(), LogicOp.OR))
        elif (_words(text, s, mm.start()) >= 2 and right_cons and right_cons[0].unit_normalized not in _TIME_UNITS
              # "Negative JCV antibody test or JCV index ≤ 0.9": a qualitative result or a measured limit
              and all(c.value is None and c.values is None and c.qualitative for c in cons(s, mm.start()))
              and not _OR_CONTINUES.match(text, mm.end(), e) and _measured_next(text, mm.end(), right_cons[0])
              and (cons(s, mm.start())
                   or not any(sj.category in MEASURABLE for sj in find_subjects(text, s, mm.start())))):
            # "Current major depressive episode or PHQ-9 score ≥ 15": a condition or a measured limit
            cuts.append((mm.start(), mm.end(), LogicOp.OR))
        elif (_words(text, s, mm.start()) >= 3 and right >= 3 and not _OR_CONTINUES.match(text, mm.end(), e)
              and _own_window_and_count(text, s, mm.start(), cons) and _own_window_and_count(text, mm.end(), e, cons)):
            # "at least one relapse within 12 months or at least two relapses within 24 months": two criteria
            cuts.append((mm.start(), mm.end(), LogicOp.OR))
        elif (1 <= right <= 3 and not right_cons and _words(text, s, mm.start()) >= 2
              and _BARE_OR.search(text, s, mm.start()) is None and not _OR_CONTINUES.match(text, mm.end(), e)
              and not _depth_zero_comma(text, s, mm.start())
              and any(c.value is not None and c.unit_normalized not in _TIME_UNITS and _depth_zero(text, s, c.start)
                      and not text[c.end:mm.start()].strip() for c in cons(s, mm.start()))  # right after the limit
              and _SHORT_ALT.fullmatch(text[mm.end():e].strip(" .;,"))):
            # "eGFR < 30 mL/min/1.73 m² or on dialysis": a limit, or a short condition of another kind ("dialysis")
            on = re.match(r"on\s+", text[mm.end():e])
            cuts.append((mm.start(), mm.end() + (on.end() if on else 0), LogicOp.OR))
        elif (_words(text, max([s] + [b for a, b, _ in cuts if b <= mm.start()]), mm.start()) >= 2 and right >= 3
              and right_cons and right_cons[0].value is not None and right_cons[0].unit_normalized not in _TIME_UNITS
              and _BARE_OR.search(text, s, mm.start()) is None
              and cons(s, mm.start()) and not _OR_CONTINUES.match(text, mm.end(), e)
              and _depth_zero(text, mm.end(), right_cons[0].start) and not _one_object(text, s, mm, e)
              and right_cons[0].start - mm.end() <= 60
              and any(sj.category in ("lab", "vital", "score") and sj.start == mm.end()
                      for sj in find_subjects(text, mm.end(), right_cons[0].start))):
            # "severe renal impairment (eGFR < 30 mL/min) or ALT > 3 × ULN": a limit, then another measured
            # subject with its own limit: two alternatives
            cuts.append((mm.start(), mm.end(), LogicOp.OR))
        elif (_words(text, s, mm.start()) >= 3 and right >= 3 and right_cons and not cons(s, mm.start())
              and not _BARE_HEAD_END.search(text, s, mm.start())  # "Any history or clinical evidence of X": shared
              and right_cons[0].value is not None and right_cons[0].unit_normalized not in _TIME_UNITS and _depth_zero(text, mm.end(), right_cons[0].start)
              and not _ENDS_ORDINAL.search(text, s, mm.start()) and not _ENDS_PREP.search(text, s, mm.start())
              and not re.fullmatch(_MOD_WORD, text[s:mm.start()].split()[-1], re.I)
              and not _one_object(text, s, mm, e)
              and not any(sj.category in MEASURABLE for sj in find_subjects(text, s, mm.start()))
              and ((_COUNT_MORE.match(text, mm.end(), e) and not _ANY_DIGIT.search(text, s, mm.start()))
                   or (not _OR_CONTINUES.match(text, mm.end(), e) and right_cons[0].start - mm.end() <= 60
                       and any(sj.category in ("lab", "vital", "score") and sj.end <= right_cons[0].start
                               for sj in find_subjects(text, mm.end(), right_cons[0].start))))):
            # "Rapidly progressive glomerulonephritis or nephrotic syndrome with albumin < 2.5 g/dL", "a JAK
            # inhibitor or more than two biologics": an alternative with a limit of its own is its own statement
            cuts.append((mm.start(), mm.end(), LogicOp.OR))
    # "..., except in patients with disease progression during therapy": what follows an exception marker is
    # the excepted thing, not a second requirement of the statement
    exc = gates.search(_EXCEPT)
    if exc and _depth_zero(text, s, exc.start()):
        # (", with receipt of the last dose within 8 weeks" after "except X" is the statement's again; after
        # "unless" it goes on with the condition)
        conditional = exc.group(0).lower().startswith(_CONDITIONAL)
        def _more_excepted(c) -> bool:
            # "except X or Y, or cervical carcinoma in situ": a bare name after ", or" is one more excepted thing;
            # "..., or any history of melanoma" (a criterion head) or a part with its own limit or window is not
            return (not conditional and _COMMA_CONJ.match(text, c[0], c[1]) is not None
                    and not _STANDALONE.match(text, c[1], e) and not cons(c[1], e)
                    and not find_temporal(text, c[1], e))
        cuts = [c for c in cuts if c[0] < exc.start() or ((c[2] == LogicOp.OR or _COMMA_CONJ.match(text, c[0], c[1])
                or _VERB_CONJ.match(text, c[0], c[1]) or ";" in text[exc.end():c[0]]
                or (not conditional and _WITH_CLAUSE.match(text, c[0], c[1]))) and not _more_excepted(c))]
    # "between 6 months and 17 years": the two bounds of one range are one statement (§11.13)
    cuts = [c for c in cuts if not any(f.pair_start is not None and f.end <= c[0] and c[1] <= f.pair_start
                                       for f in found)]
    cuts.sort()
    prev = s
    ops = []
    for a, b, op in cuts:
        if a <= prev:
            continue
        if op == LogicOp.OR and _modifier_or(text, prev, a, b, e):
            continue  # "moderate or severe acute illness", "METAVIR F3 or F4 on biopsy": one thing, two grades
        pieces.append((prev, a))
        ops.append(op)
        prev = b
    pieces.append((prev, e))
    out = []
    for i, (a, b) in enumerate(pieces):
        a, b = _trim_clause(text, a, b)
        if i > 0 and b > a:  # a part split off starts at its first content word (§11.6): not at "a"/"an"
            art = _PART_LEAD.match(text, a, b)
            if art and art.end() < b:
                a = art.end()
        if b <= a:
            continue
        if len(pieces) > 1:  # "severe renal impairment (eGFR < 30 mL/min) or ALT > 3 × ULN": each part's definition
            d = _part_definition(text, a, b, cons)
            if d:
                a, b = d
        op = LogicOp.OR if (i > 0 and ops[i - 1] == LogicOp.OR) or (i < len(ops) and ops[i] == LogicOp.OR) else LogicOp.AND
        out.append((a, b, op, label))
    return out or [(s, e, LogicOp.AND, label)]


def _both_windowed(text: str, s: int, mm: re.Match, e: int) -> bool:
    """Both sides of ", or" have a window with an amount of their own ("... within the previous 14 days, or with
    mefloquine within 2 months"): two alternatives, not one object shared by both."""
    return (any(t.amount is not None for t in find_temporal(text, s, mm.start()))
            and any(t.amount is not None for t in find_temporal(text, mm.end(), e)))


# a short alternative of another kind after a limit: "on dialysis", "dialysis", "receiving transfusions"
_SHORT_ALT = re.compile(r"(?:on\s+|receiving\s+|requiring\s+)?[a-z][a-z-]+(?:\s+[a-z][a-z-]+)?", re.I)
_LIST_COMMA = re.compile(r",(?!\d{3}\b)")  # not the thousands separator of "30,000"


def _depth_zero_comma(text: str, s: int, e: int) -> bool:
    """A comma in text[s:e] outside parentheses ("X (e.g. A, B, C) at any time, or Y": the list is inside)."""
    return any(_depth_zero(text, s, s + m.start()) for m in _LIST_COMMA.finditer(text[s:e]))


# a parenthesis that grades the condition before it rather than setting a threshold of its own (GUIDELINES 11.5,
# 11.245, 11.455): a Child-Pugh letter class, the C-SSRS items that define suicidal ideation; NYHA classes (11.201)
# and a test result that confirms an infection ("hepatitis B (positive HBsAg)", 11.5) are statements of their own
_GRADING_BODY = re.compile(
    r"\(\s*(?:(?:Child[- ](?:Turcotte[- ])?Pugh|CTP)(?:\s+(?:class|grade|score|category))?\s+[ABC]"
    r"(?:\s*(?:,|or|and|to|-|–|/)\s*[ABC])*|C-?SSRS\b[^()]{0,40}?\bitems?\s+\d[^()]{0,20})\s*\)", re.I)


def _grading_paren(text: str, s: int, e: int, subjects, constraints) -> list[tuple[int, int]]:
    """The spans of "(...)" in "<condition> (<grading>)[ or <condition> (<grading>)]" that grade the condition
    before them rather than set a threshold of their own."""
    out: list[tuple[int, int]] = []
    prev = s
    p = text.find("(", s, e)
    while p != -1:
        q = text.find(")", p, e)
        if q == -1 or p - prev < 4 or not _CONDITION_HEAD.search(text, prev, p):
            return []
        if any(prev <= sj.start < p for sj in subjects) or any(prev <= c.start < p for c in constraints):
            return []
        m = _GRADING_BODY.match(text, p, e)
        if not m:
            return []
        out.append((m.start(), m.end()))
        prev = out[-1][1]
        p = text.find("(", prev, e)
    if any(prev <= sj.start for sj in subjects) or any(prev <= c.start for c in constraints):
        return []  # a threshold after the last parenthesis: the statement is about it
    return out


_OF_AGE_GAP = re.compile(r"\s*(?:of\s+)?", re.I)
_SUBGROUP_LEAD = re.compile(
    r"(?:(?:for|in)\s+(?:participants|patients|subjects|those|women|men|individuals)\s+[^:,;()]{3,80}?[:,]|"
    r"(?:participants|patients|subjects|those|individuals)\s+(?:who\s+are\s+)?(?:currently\s+)?(?:treated|taking|receiving|"
    r"on|using)\b[^,;:()]{0,60}?\s+(?=must|should|need))", re.I)
_AGE_QUALIFIER = re.compile(r"\b(?:before|after|prior\s+to)\s+(?:the\s+)?(?P<age>age)\s+(?:of\s+)?\d{1,3}"
                            r"(?:\s*(?:years?|yrs?)(?:\s+old)?)?", re.I)
# a history of an event, not the onset (which is age_at_onset, 11.143)
_CONDITION_BEFORE_AGE = re.compile(r"\b(?:history|diagnos\w*|disease|disorder|seizures?|death|cancer|events?|episodes?|"
                                   r"fractures?|infections?|surgery)\b(?![^,;]*\bonset\b)", re.I)


# the words before the parenthesis name a condition: a word of three letters or more that is not a test
_CONDITION_HEAD = re.compile(r"[a-z]{3,}", re.I)


_NEG_DET = frozenset({"no", "any", "not"})
# an adjective or adverb by its ending, or a common modifier of criteria ("moderate or severe", "personal or family");
# a bare noun ("sepsis or active infection") is an alternative of its own
_MODIFIER_WORD = re.compile(
    r"[a-z-]+(?:ly|al|ic|ous|ive|ed|ary|ile|able|ible|ant|ent|ar)|moderate|severe|mild|acute|chronic|current|past|"
    r"prior|personal|family|advanced|refractory|recurrent|primary|secondary|known|suspected|new|early|late|partial|"
    r"complete|major|minor|stable|unstable|persistent|paroxysmal|history|evidence|presence")
_GRADE_CODE = re.compile(r"(?:[A-Z]{0,2}\d{1,2}[a-c]?|[IV]{1,4}[A-C]?)")


_HEAD_ALT = re.compile(r"\s*,?\s+(?:or|and/or)\s+|\s*,\s*including\s+", re.I)
_COUNTED_NOUNS = re.compile(r"\s+(?!(?:days?|weeks?|months?|years?|hours?|times?|units?|drinks?)\b)[a-z][a-z-]+\s+[a-z][a-z-]+", re.I)
_DEFINED_TERM_END = re.compile(r"[^()]{3,80}\((?P<body>[^()]{3,60})\)[\s.;,]*$")


def _defined_pair(text: str, s: int, mm: re.Match, e: int, cons) -> bool:
    """Whether "or" at mm joins two terms each defined by a measured parenthesis ("hepatitis B (positive HBsAg)")."""
    left = text[s:mm.start()].rstrip()
    if not left.endswith(")"):
        return False
    lp = left.rfind("(")
    rm = _DEFINED_TERM_END.match(text, mm.end(), e)
    if lp == -1 or rm is None or "(" in left[:lp] or mm.start() - (s + lp) > 62:
        return False
    return bool(cons(s + lp, mm.start())) and bool(cons(rm.start("body"), rm.end("body")))


def _modifier_or(text: str, prev: int, a: int, b: int, e: int) -> bool:
    """Whether the bare "or" at text[a:b] joins two modifiers of one noun rather than two criteria: the piece
    before it is one word (after "no"/"any") and more words follow ("moderate or severe acute illness",
    "histologically or cytologically confirmed X", "No personal or family history of Y"), or it joins two
    grades ("METAVIR F3 or F4")."""
    if text[a:b].strip().lower() != "or":
        return False
    left = text[prev:a].split()
    right = text[b:e].split()
    if len(right) < 2:
        return False
    if left and left[0].lower() in _NEG_DET:
        left = left[1:]
    if len(left) == 1 and left[0].islower() and _MODIFIER_WORD.fullmatch(left[0]):
        return True
    return bool(left and _GRADE_CODE.fullmatch(left[-1]) and _GRADE_CODE.fullmatch(right[0].rstrip(",;")))


def _part_definition(text: str, a: int, b: int, cons) -> Optional[tuple[int, int]]:
    """The body of "<term> (<measured subject> <limit>)" when a split part is just that (§11.5)."""
    if text[b - 1:b] != ")":
        return None
    m = _PAREN_DEF.fullmatch(text, a, b)
    if not m or cons(a, m.start("body")) or _EXCEPT.search(text, a, m.start("body")):
        return None
    body = cons(m.start("body"), m.end("body"))
    if body and _GRADING_BODY.match(text, m.start("body") - 1):
        return None  # the parenthesis grades the term (11.245)
    if not body or not any(sj.category in ("lab", "vital", "score") and (sj.end <= body[0].start or body[0].qualitative)
                           for sj in find_subjects(text, m.start("body"), m.end("body"))):
        return None  # ("positive HBsAg": a result word may come first)
    return _trim_clause(text, m.start("body"), m.end("body"))


_ANY_DIGIT = re.compile(r"\d")
_TIME_UNITS = frozenset({"min", "h", "d", "wk", "mo", "a"})  # "after at least 1 week of advice (glucose > 5.3)"
_BARE_HEAD_END = re.compile(r"\b(?:history|evidence|diagnosis|signs?|symptoms?|presence|use|treatment)\s*$", re.I)
_COUNT_MORE = re.compile(r"(?:more|fewer|less)\s+than\s+(?:\d+|one|two|three|four|five|six)\s+[a-z]", re.I)
_NEW_HEAD = re.compile(r"(?:(?:women|men|females?|males?|participants?|patients?|subjects?)\s+(?:of|who|with|not)\b|"
                       r"an?\s+" + _RESULT_WORD + r"\b|"
                       # "..., or other condition in which exercise is contraindicated": a catch-all
                       r"(?:an?\s+|any\s+)?other\s+(?:medical\s+)?(?:conditions?|diseases?|disorders?|illness(?:es)?)\s+"
                       r"(?:that|which|in\s+which|for\s+which|where)\b)", re.I)
_CONDITION_WORD = re.compile(r"[A-Z][a-z]{3,}(?:[- ][a-zïé]+)?")  # "Cirrhosis", "Treatment-naive"; not "HIV"


_ITEM_GAP = re.compile(r"[\s,;]*(?:(?:and|or|and/or)\b[\s,;]*)?", re.I)
_CLAUSE_BREAK = re.compile(r"[,;]")  # "except Gilbert syndrome, total bilirubin ≤ 1.5 × ULN": a new statement


def _excepted_constraints(text: str, cs: int, ce: int, constraints: list[Found],
                          subjects: list[FoundSubject]) -> list[tuple[Found, tuple[int, int]]]:
    """Constraints inside an exception of the clause, with the exception's range ("except
    paracetamol up to 2 g/day", "unless HCV RNA has been undetectable for 2 years")."""
    if not constraints or not _EXCEPT.search(text, cs, ce):
        return []
    ranges: list[tuple[int, int]] = []
    for a, b in sorted(find_exceptions(text, cs, ce)):  # items of one list make one region
        if ranges and _ITEM_GAP.fullmatch(text, ranges[-1][1], a):
            ranges[-1] = (ranges[-1][0], b)
        else:
            ranges.append((a, b))
    out = []
    for c in constraints:
        for a, b in ranges:
            if not (a <= c.start and c.end <= b):
                continue
            named = [sj for sj in subjects if a <= sj.start < c.start]
            # "unless HCV RNA has been undetectable": the exception's own measurement; but not a subject
            # coordinated after it ("except in patients with liver metastases, and creatinine ≤ 1.5 mg/dL")
            if not named or not _CLAUSE_BREAK.search(text, a, named[0].start):
                out.append((c, (a, b)))
                break
    return out


def _balance(text: str, s: int, e: int) -> tuple[int, int]:
    """Drop an opening parenthesis left at the end of a part, or a closing one whose opening is
    outside it: "MMSE ≥ 24 (or MoCA ≥ 18 if ...)" → "MMSE ≥ 24", "MoCA ≥ 18 if ..."."""
    while e > s:
        seg = text[s:e]
        if seg.rstrip().endswith("("):
            e = s + len(seg.rstrip()) - 1
        elif seg.endswith(")") and seg.count(")") > seg.count("("):
            e -= 1
        else:
            break
        while e > s and text[e - 1].isspace():
            e -= 1
    return s, e


# "on the 0-10 Numeric Rating Scale", "(0-100 mm VAS)": the range of the scale, not a limit
# "apart"; "on ≥ 2 occasions", "on at least two separate measurements": how often a limit must be seen, not a limit
_APART_AFTER = re.compile(r"\s*(?:apart\b|(?:separate\s+|consecutive\s+|different\s+|independent\s+)?"
                          r"(?:occasions?|measurements?|readings?|determinations?)\b)", re.I)
_SCALE_AFTER = re.compile(r"(?:\s*-?\s*point)?\s+(?:[A-Za-z-]+\s+){0,3}?(?:scale|NRS|VAS)\b", re.I)


def _one_object(text: str, s: int, mm: re.Match, e: int) -> bool:
    """The parts around the connector share one object or head: "Progression on, or intolerance to, X",
    "History, or history in a sibling, of X", "consent from the participant, or from a representative"."""
    return bool(_DANGLING.search(text, s, mm.start()) or _SHARED_TAIL.match(text, mm.end(), e)
                or _PREP_START.match(text, mm.end(), e))


def _measured_next(text: str, pos: int, con: Found) -> bool:
    """A measurable lexicon subject starts at pos and its limit follows within a few words."""
    return con.start - pos <= 40 and any(sj.start == pos and sj.category in MEASURABLE
                                        for sj in find_subjects(text, pos, con.start))


_RESTATES_EXCLUSION = re.compile(
    r"\b(?:(?:is|are)\s+)?(?:excluded|not\s+(?:be\s+)?(?:eligible|allowed|permitted))\b"
    # ... about the trial, not a finding ("not eligible for surgery" is one)
    r"(?=\s*(?:$|[.,;(]|from\b|because\b|in\s+(?:this|the)\s+(?:study|trial)\b|to\s+(?:participate|enrol|enroll|take\s+part)\b|"
    r"within\b|during\b|if\b|unless\b|except\b))", re.I)


_PLANNED_PART = re.compile(r"(?:planned|intended|expected|anticipated|scheduled|foreseen)\b", re.I)
_ONE_OF = re.compile(r"\b(?:(?:at\s+least\s+)?(?:one|1)\s+(?:\(1\)\s+)?of|either\s+of)\b(?!\s+(?:the\s+)?(?:study|trial)\b)",
                     re.I)
_ANY_OF = re.compile(r"\bany\s+of\s+the\s+following\b", re.I)
# a statement about people (or a predicate): a cue after the head negates it ("Women ... who are not using
# contraception", "Has not provided consent", 11.71)
_PEOPLE_HEAD = re.compile(
    r"[\W_]*(?:(?:[\w/-]+\s+){0,3}(?:" + _WHO + r"|those|anyone|partners?|parents?|caregivers?|mothers?|fathers?)|"
    r"(?:of\s+)?childbearing|(?:of\s+)?reproductive|has|have|had|is|are|was|were|must|should|will|can|did|does|do)\b",
    re.I)
_PEOPLE_ONLY = re.compile(r"[\W_]*(?:[\w/-]+\s+){0,3}" + _WHO + r"\s*", re.I)
_RELATIVE_BEFORE = re.compile(r"\b(?:that|which)\b(?:\s+[\w-]+){0,3}\s*$", re.I)
_AUX_BEFORE = re.compile(
    r"\b(?:is|are|was|were|be|been|being|has|have|had|do|does|did|must|should|will|would|can|could|may|might|shall|"
    r"and|or|but|who|if|whether|to|,)\s*$|[,;:(]\s*$", re.I)


def _qualifier_cue(text: str, s: int, cue: tuple[int, int]) -> bool:
    """A cue after the head of a statement about a thing qualifies that thing, it does not negate the
    statement (GUIDELINES 11.37): "second-degree AV block without a pacemaker", "SpO2 > 91% without
    oxygen", "helminth infection that has not been treated", "latent tuberculosis not adequately
    treated". Statements about people keep it (11.71)."""
    if _words(text, s, cue[0]) < 1:
        return False
    word = text[cue[0]:cue[1]].lower()
    if word == "without":
        # "Patients without prior surgery" negates; "patients diagnosed with rectal cancer without metastasis" qualifies
        return not _PEOPLE_ONLY.fullmatch(text, s, cue[0])
    if _PEOPLE_HEAD.match(text, s):
        return False
    if not word.endswith("not"):
        return False
    if _RELATIVE_BEFORE.search(text, s, cue[0]):
        return True  # "... that has not been treated"
    return word == "not" and not _AUX_BEFORE.search(text, s, cue[0])  # "tuberculosis not adequately treated"


def _choose_window(text: str, windows: list[FoundTemporal]) -> Optional[FoundTemporal]:
    """The statement's window: the first with an amount ("Currently experiencing X with onset less than
    2 months before screening": the amount says more than "currently"), else the first; a look-back
    window after a "for N" exposure wins over it ("corticosteroids for more than 7 days within the
    previous 3 months")."""
    temp = next((t for t in windows if t.amount is not None), windows[0] if windows else None)
    if temp is not None and temp.relation == "more_than" and text[temp.start:temp.start + 4].lower() == "for ":
        temp = next((t for t in windows if t.amount is not None and t.relation == "within" and t.start > temp.end), temp)
    # "from 28 days before the first dose until 90 days after the last dose": the end of the period (11.31)
    if temp is not None and _FROM_BEFORE.search(text, max(0, temp.start - 6), temp.start):
        temp = next((t for t in windows if t.start > temp.end and t.relation == "after" and t.amount is not None
                     and _UNTIL_BEFORE.search(text, max(0, t.start - 40), t.start + 10)), temp)
    return temp


_DEFINED_STATE = re.compile(r"\b(?:post-?menopausal|menopausal|sterile|amenorrho?eic|infertile|non-?childbearing|"
                            r"abstinent|quiescent|remission|inactive|controlled|stable)\b[^()]*\($", re.I)
# ("without interruption", "without a change in dose": continuity, not absence)
_ABSENCE_BEFORE = re.compile(r"\b(?:without(?!\s+(?:any\s+|an?\s+)?(?:interruptions?|breaks?|gaps?|changes?|dose\s+changes?|"
                             r"modifications?)\b)|free\s+of|no(?!\s+(?:more|less|fewer|greater|longer|shorter)\s+than\b))\s+[^,;()]*$", re.I)  # "without clinical relapses for at least 2 years"
_WITHIN_OF = re.compile(r"within\s+[^,;]*?\s(?:of|after)\s", re.I)
_FROM_BEFORE = re.compile(r"\bfrom\s*$", re.I)
_UNTIL_BEFORE = re.compile(r"\b(?:until|through|to)\b", re.I)


def _own_window_and_count(text: str, a: int, b: int, cons) -> bool:
    """text[a:b] has a constraint of its own and a window with an amount."""
    return bool(cons(a, b)) and any(t.amount is not None for t in find_temporal(text, a, b))


# words that open a criterion of their own ("... or planning to become pregnant", "... or treatment for ...")
_STANDALONE = re.compile(
    r"(?:planning|planned|intention|intends|high\s+risk|treatment|(?:any\s+)?(?:prior\s+|previous\s+|past\s+)?history|use|receipt|"
    r"current|known|active|prior\s+(?:non-?response|failure|intolerance|exposure)|(?:plans?|intends?|wish(?:es)?)\s+to|"
    r"(?:an?\s+)?family\s+history|"
    # "or any condition that may ..." stands alone; "or any other anti-angiogenic agent" ends a list (§11.11)
    r"any\b(?=[^,;()]*\b(?:that|which|who|judged|considered|deemed)\b)|"
    # "... or other condition that precludes ...", "or a condition that lowers the seizure threshold"
    r"(?:an?\s+|other\s+|any\s+other\s+)(?:medical\s+)?(?:conditions?|diseases?|disorders?|illness(?:es)?)\s+"
    r"(?:that|which|in\s+which|for\s+which|where)\b|"
    r"evidence|presence|inability|unable|unwilling|participation|need|expected\s+to|anticipated|scheduled|intended)\b", re.I)
_OR_CONTINUES = re.compile(  # "... > 10 mg/day of prednisone or the equivalent": no alternative of its own
    r"(?:higher|more|greater|above|less|lower|below|older|younger|over|under|fewer|equal|(?:the\s+|an\s+)?equivalent\b|"
    r"[\d<>≤≥=\\]|\d)", re.I)
_POPULATION = re.compile(
    r"(?:(?:for\s+)?(?:women|females?|female\s+(?:participants|subjects|patients)|males?|men|male\s+(?:participants|subjects|patients)"
    r"|participants|patients|subjects)\b)", re.I)
_SEX_ONLY = re.compile(_SEX_WORD + r"(?:\s*(?:or|and|/|,)\s*" + _SEX_WORD + r")?", re.I)
_SEX_LEAD = re.compile(
    r"(?:(?P<healthy>healthy)\s+)?(?:(?:adult|young|older|elderly)\s+)?(?P<sex>" + _SEX_WORD + r"(?:\s*(?:or|and|/|,)\s*" + _SEX_WORD + r")?)(?:\s+" + _PEOPLE + r")?\s*,?\s+"
    r"(?=(?:aged?\b|\\?[<>≥≤]|\d|between\b|from\b|at\s+least\b|older\b|over\b|under\b|who\s+are\s+\d))",
    re.I,
)
_SEX_TAIL = Gated(r",\s*(?P<sex>" + _SEX_WORD + r"(?:\s*(?:or|and|/)\s*" + _SEX_WORD + r")?)\s*$", re.I)
_METHOD_BEFORE_OR = re.compile(r"[\d%)]\s*(?:\S+\s+)?(?:by|in|using|via|per)\s+(?:an?\s+|the\s+)?[\w-]+(?:\s+[\w-]+){0,3}$", re.I)
_OR_PARTICIPLE = re.compile(r"(?:receiving|requiring|undergoing|on\s+(?:chronic\s+)?dialysis)\b", re.I)
_AGE_TAIL = re.compile(r"(?:\s+(?:old|of\s+age|(?:or|and)\s+(?:older|above|over)))?", re.I)
_PARTICIPLE = re.compile(r"\s*,?\s+(?P<verb>receiving|undergoing|requiring|scheduled\s+for|treated\s+with|living\s+with|"
                         r"diagnosed\s+with|infected\s+with|presenting\s+with|suffering\s+from|hospitali[sz]ed\s+(?:with|for))\s",
                         re.I)
_WITH = re.compile(r"\s*,?\s+(?:with|who\s+(?:have|has)|having)\s+", re.I)
_COMMA_BEFORE = re.compile(r"\s*,\s*(?:(?:and\s+)?(?:aged?|between|from)\s+)?$", re.I)
_AGE_WORD_AFTER = re.compile(r"\s*(?:of\s+age|old|or\s+(?:older|over|above)|and\s+(?:older|over|above))\b", re.I)
_AGE_WORD_END = re.compile(r"(?:older|over|above|old|of\s+age)\s*$", re.I)
_OF_END = re.compile(r"\bof\s*$", re.I)
_AGED_BEFORE = re.compile(r"\s+(?:" + _PEOPLE + r"\s+)?(?P<aged>aged?\b)", re.I)
_OTHER_AGE = re.compile(  # "gestational age < 32 weeks" is not the person's age
    r"\b(?:gestation(?:al)?|corrected|postmenstrual|post-?conceptional|bone|mental|developmental|fetal)\s*$", re.I)
_SECOND_REQ = Gated(r"\s+with\s+(?=(?:disease\s+|radiographic\s+)?(?:progression|relapse|recurrence)\b)", re.I)
_WHILE_ON = Gated(r"\s*,?\s+(?P<while>while\s+)?(?:on|receiving|taking)\s+(?:an?\s+)?(?=stable|\w+\s+dose)", re.I)
# min_strength=1: gated on "with" and "," (most clauses have neither)
_WITH_MEASURE = Gated(r"\s+with\s+(?:an?\s+|the\s+)?", re.I, min_strength=1)
_WITH_CLAUSE = Gated(r"\s*,\s+with\s+(?!(?:or\s+without|the\s+exception|exceptions?|the\s+following)\b)", re.I,
                     min_strength=1)
_WITHOUT = Gated(r"(?<!with or)\s+without\b", re.I)  # not "with or without"
_INCLUDING = Gated(r"\s*,?\s+including\s+(?!but\s+not)", re.I)
# the patterns `_subclauses` tries on the whole clause: their gates in one scan
_CUT_GATES = GateSet([_SEX_TAIL, _WITHOUT, _INCLUDING, _SECOND_REQ, _WHILE_ON, _WITH_MEASURE, _AND_RESULT, _COMMA_RESULT,
                      _CONFIRMED_BY_RESULT, _ON_STABLE, _WITH_NO, _COMMA_STAGE, _AND_WILLING, _CONFIRMING, _AND_SCORE,
                      _COUNT_NEXT, _PAREN_NO, _WITH_CLAUSE, _VERB_CONJ, _COMMA_CONJ, _BARE_OR, _EXCEPT])
# (a predicate may follow: "Rapid cycling (4 or more mood episodes in 12 months) is exclusionary")
_PAREN_DEF = re.compile(r"[^()]{3,160}?\s\((?P<body>[^()]{6,})\)(?:\s+(?:is|are)\s+(?:exclusionary|excluded|required|"
                        r"not\s+(?:allowed|permitted))|\s+at\s+(?:presentation|screening|baseline|enrol+ment|admission|"
                        r"randomi[sz]ation|the\s+time\s+of\s+(?:the\s+)?[\w-]+(?:\s+[\w-]+)?)|\s+(?:on|by|using|per)\s+(?:an?\s+|the\s+)?[\w-]+(?:\s+[\w-]+){0,4})?", re.S)


# a predicate at the end of a clause that restates its section (GUIDELINES 11.461)
_EXCLUDING_TAIL = re.compile(
    r"[\s,]*\b(?:(?:is|are)\s+(?:also\s+)?(?:exclusionary|excluded|ineligible|not\s+(?:eligible|allowed|permitted|included))|"
    r"(?:excludes?|disqualif(?:y|ies))\s+(?:the\s+)?(?:participants?|patients?|subjects?|participation|volunteers?|them|him|her)|"
    r"(?:will|may|can)\s+not\s+(?:be\s+(?:enrolled|included|eligible|randomi[sz]ed|admitted|recruited)|"
    r"take\s+part|participate|enrol+))(?:\s+(?:in|from)\s+(?:this|the)\s+(?:study|trial))?[\s.;,]*$", re.I)
_LEAD_ARTICLE = re.compile(r"(?:an?|the|any)\s+(?=[\w\"“])", re.I)
_RELATIVE = re.compile(r"\b(?:that|which|who|whose)\b", re.I)
_EXC_SPLIT = re.compile(r"\s*(?:,\s*(?:and/or|and|or)?|;|\band/or\b|\band\b|\bor\b)\s*", re.I)
_EXC_LEAD = re.compile(
    r"(?:(?:but|a|an|the|on|for|from|(?:in|within)(?!\s+situ\b)|any(?!\s+of\b)|patients?\s+with|participants?\s+with|those\s+with|"
    r"subjects?\s+with|people\s+with|individuals?\s+with)\s+)+", re.I)
_RELATIVE_END = re.compile(r",?\s*(?:which|that|who)\s*$", re.I)  # "X, which is permitted up to ...": one span (11.109)
_PERMISSION = re.compile(r"\b(?:permitted|allowed|acceptable|accepted|may\s+(?:be\s+)?(?:given|used|taken|continued|"
                         r"administered|received|continue))\b", re.I)
_PEOPLE_WITH = re.compile(r"(?:the\s+)?(?:patients?|participants?|subjects?|those|people|individuals?)\s+(?:with|who)\b", re.I)
_COMMA_AT = re.compile(r",\s*")
_PEOPLE_ITEM_SEP = re.compile(r"\s*(?:,\s*(?:or|and/or)\s+|;\s*)", re.I)
_COMMA_RELATIVE = re.compile(r",\s*(?:that|which)\b", re.I)
_MORE_AFTER = re.compile(r"\b(?:and|or|but|with|if)\s+\w+\s+\w+", re.I)
_EXC_PREDICATE = re.compile(
    r",?\s+(?:is|are|was|were|has\s+been|have\s+been|will\s+be)\s+(?:not\s+)?(?:documented|implanted|present|allowed|"
    r"permitted|accepted|acceptable|eligible|ineligible|excluded|enrolled|exclusionary)\b.*$", re.I | re.S)
# "except when a closure is planned", "except where a cause was identified": a passive that ends the clause
_EXC_PASSIVE_END = re.compile(
    r"\s+(?:is|are|was|were|has\s+been|have\s+been)\s+(?:\w+ed|known|done|seen|shown|found|given)\s*$", re.I)
# "transoesophageal echocardiography excluding left atrial thrombus": a test that rules something out
_TEST_BEFORE = re.compile(r"(?:echocardiograph\w*|imaging|scan|MRI|CT|biopsy|tests?|ECG|examination|ultrasound|"
                          r"angiograph\w*|endoscopy|colonoscopy|radiograph\w*|x-ray)\s*$", re.I)
# "except participants already receiving X": the people word goes, the rest is the excepted thing
_PEOPLE_LEAD = re.compile(r"(?:the\s+)?(?:patients?|participants?|subjects?|individuals?|people|those)\s+"
                          r"(?=(?:already|currently|previously|still)\b|\w+ing\b)", re.I)
# "except for the following:", "except:", "with the following exceptions:" -> the list after the colon
_EXC_LIST_INTRO = re.compile(r"(?:(?:the\s+)?following(?:\s+(?:conditions?|cases?|exceptions?))?\s*)?[:\-–]\s*", re.I)
# "unless otherwise specified", "except as noted": no excepted thing
_EXC_EMPTY = re.compile(r"(?:otherwise|(?:as\s+)?(?:specifically|explicitly|expressly)\s+\w+ed|"
                        r"as\s+(?:noted|specified|stated|described|required|indicated|allowed|permitted|above|below)|"
                        r"noted|specified|indicated|stated|required\s+by)\b", re.I)
# a window that scopes the whole statement ("..., excluding paracetamol within 14 days")
_STATEMENT_WINDOW = re.compile(r"(?:within|in\s+the\s+(?:past|last|previous|\d+)|during\s+the|before|prior\s+to)\b", re.I)
_ATTACHED = re.compile(r"(?:\w+ed|given|done|taken|begun|for|since|of|at|stable)\s*$", re.I)
_CONDITIONAL = ("unless", "except if", "except when", "except where")
# one or more adjective-shaped words: "topical", "excised basal" (… "or squamous cell skin carcinoma")
# (plus adjectives and organ nouns without those endings: "acute or chronic hepatitis", "prostate or breast cancer")
_MOD_WORD = (r"(?:[A-Za-z/-]*(?:al|ic|ed|ive|ous|ary|ar|ile|ly)|acute|severe|mild|moderate|adequate|intermediate|"
             r"early|late|low|high|minor|major|benign|malignant|stable|prostate|breast|skin|bladder|lung|colon|liver|"
             r"kidney|thyroid|bone|brain)")
_SHARED_MODIFIER = re.compile(r"(?:[a-z]+-[a-z]+|" + _MOD_WORD + r"(?:\s+" + _MOD_WORD + r")*)", re.I)
_ENDS_PREP = re.compile(r"\b(?:during|before|after|on|in|at|to|from|with|of|by|for|prior\s+to)\s*$", re.I)  # "during or after X"
_SHARED_QUANTITY = re.compile(r"\b(?:doses?|dosing|courses?|use|regimens?|cycles?|treatment|therapy)\s+(?:of|with)\s+"
                              r"[\w-]+\s*$", re.I)
_ONE_LOWER_WORD = re.compile(r"\s*[a-z][a-z-]+(?:\s+[a-z][a-z-]+)?\s*")  # one or two bare lower-case words
_PREP_NEAR_END = re.compile(r"\b(?:of|in|to|on|for)\s+(?:\S+\s+){0,2}\S+\s*$", re.I)
# what may follow a class noun written once: "vaccines given ≥ 14 days before", "inhibitors for less than 7 days"
_PARTICIPLE_TAIL = re.compile(r"\s+(?:given|administered|received|taken|used|performed|done|started|completed)\b", re.I)
_HEAD_TAIL = re.compile(r"\s+(?:given|administered|received|taken|used|performed|done|started|completed|for|within|"
                        r"at\s+least|during|before|after|"
                        r"prior\s+to|up\s+to|[≤≥<>])", re.I)
# "bipolar I or II disorder", "type 1 or 2 diabetes", "stage I or II cancer": a number shares the next item's head
_ENDS_ORDINAL = re.compile(r"\b(?:[IV]{1,4}|\d{1,2}[a-d]?)\s*$")
_BARE_MODIFIER = re.compile(_SHARED_MODIFIER.pattern + r"(?:[\s-]+cells?)?", re.I)
_CLASS_HEAD = re.compile(
    r"\S\s+(?:vaccines?|vaccinations?|inhibitors?|blockers?|antagonists?|agonists?|antibod(?:y|ies)|steroids|"
    r"corticosteroids|contraceptives|supplements|inhalers|drops|use\s+disorders?|dependence|subtypes|types|genotypes|"
    r"variants|strains|serotypes)\s*$", re.I)
_OTHER = re.compile(r"\s*other\b", re.I)
_SUBSTANCE_HEAD = re.compile(r"(?:use\s+disorders?|dependence)\s*$", re.I)  # "nicotine or caffeine use disorder"
# "aspirin and proton pump inhibitors": a drug name is an item of its own, not a modifier of the class noun
_DRUG_NAME = re.compile(
    r"(?:in|ine|ol|ide|one|am|mab|nib|pril|sartan|statin|azole|cillin|mycin|pam|lam|fen|cin|vir|parin)\s*$", re.I)


def _paren_end(text: str, pos: int, limit: int) -> Optional[int]:
    """The ')' that closes the parenthesis `pos` is in, if it is open and closes before `limit`."""
    depth = 0
    for i in range(pos - 1, -1, -1):
        ch = text[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            if depth == 0:
                break
            depth -= 1
        elif ch == "\n":
            return None
    else:
        return None
    depth = 0
    for j in range(pos, limit):
        ch = text[j]
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                return j
            depth -= 1
    return None


def _exception_items(text: str, a: int, b: int, conditional: bool) -> list[tuple[int, int]]:
    """One span per excepted item. A conditional ("unless ...") is one span; so is a short pair of
    single words ("nicotine or caffeine") and a clause with a relative pronoun."""
    if conditional:
        return [(a, b)]
    # "X, Y and Z that has been treated": the relative clause belongs to the item it follows; the items
    # before it are split as usual, the last keeps the clause with its own "and"s (GOLD-031)
    rel = _RELATIVE.search(text, a, b)
    if rel:
        rb = b
        b = rel.start()
        while b > a and text[b - 1] in " \t\r\n":
            b -= 1
        if b > a and text[b - 1] == ",":  # "X and Y, which are permitted": the clause is about all of them (11.109)
            return [(a, rb)]
        head = [(pa, pb) for pa, pb in _exception_items(text, a, b, False)] if _words(text, a, b) else []
        if not head:
            return [(a, rb)]
        return head[:-1] + [(head[-1][0], rb)]
    commas = sum(1 for m in re.finditer(r",", text[a:b]) if _depth_zero(text, a, a + m.start()))
    if _words(text, a, b) < 4 and commas == 0:
        return [(a, b)]
    pieces = []
    prev = a
    for cut in _EXC_SPLIT.finditer(text, a, b):
        if _depth_zero(text, a, cut.start()) and cut.start() > prev:
            pieces.append((prev, cut.start()))
            prev = cut.end()
    pieces.append((prev, b))
    # "topical or inhaled corticosteroids": modifiers sharing the last item's head stay one span
    if len(pieces) > 1 and all(_SHARED_MODIFIER.fullmatch(text[pa:pb].strip()) for pa, pb in pieces[:-1]):
        return [(a, b)]
    # "..., squamous cell or basal cell carcinoma of the skin", "..., cervical or breast carcinoma in situ": a
    # modifier with no head of its own shares the next item's head
    merged: list[tuple[int, int]] = []
    for i, (pa, pb) in enumerate(pieces):
        if merged and merged[-1][1] < 0:
            merged[-1] = (merged[-1][0], pb)
        else:
            merged.append((pa, pb))
        gap = text[pb:pieces[i + 1][0]].strip(" ,\t\r\n").lower() if i + 1 < len(pieces) else None
        if i + 1 < len(pieces) and (_BARE_MODIFIER.fullmatch(text[pa:pb].strip()) or _ENDS_PREP.search(text, pa, pb)
                                    or _ENDS_ORDINAL.search(text, pa, pb)) and gap in ("or", "and", "and/or"):
            merged[-1] = (merged[-1][0], -1)
        elif gap == "" and _words(text, *pieces[i + 1]) >= 2 and all(
                _SHARED_MODIFIER.fullmatch(w) for w in text[merged[-1][0]:pb].split() if w.lower() not in ("and", "or")):
            # "fully-treated and stable, early-stage prostate cancer": modifiers before a comma share the next head
            merged[-1] = (merged[-1][0], -1)
    pieces = [(pa, pb) for pa, pb in merged if pb > 0]
    # "a stable dose of azathioprine or mycophenolate started ...": the alternatives share "dose of"
    if len(pieces) > 1 and _SHARED_QUANTITY.search(text, *pieces[0]):
        return [(a, b)]
    # "carcinoma in situ of the cervix or breast": one bare word after a prepositional phrase is another object
    # of its preposition, not an excepted thing of its own
    if (len(pieces) > 1 and _ONE_LOWER_WORD.fullmatch(text, *pieces[-1]) and _PREP_NEAR_END.search(text, *pieces[-2])
            and "," not in text[pieces[-2][1]:pieces[-1][0]] and not re.search(r"\bin\s+situ\s*$", text[pieces[-2][0]:pieces[-2][1]])):
        pieces[-2:] = [(pieces[-2][0], pieces[-1][1])]
    # "BCG, influenza or COVID-19 vaccines (given ≥ 14 days before)": short names before a class noun that is only
    # written once, also when a participle or window follows the class noun
    last_a, last_b = pieces[-1]
    tail = _HEAD_TAIL.search(text, last_a, last_b)
    if tail and tail.start() > last_a:
        last_b = tail.start()
    # "liposuction or abdominoplasty performed more than 1 year before": short names sharing a trailing participle
    # phrase are one excepted thing (11.180)
    if (len(pieces) > 1 and tail and tail.start() > last_a and _PARTICIPLE_TAIL.match(text, tail.start(), pieces[-1][1])
            and _words(text, last_a, tail.start()) <= 2 and all(_words(text, pa, pb) <= 2 for pa, pb in pieces[:-1])):
        return [(a, b)]
    if len(pieces) > 1 and _CLASS_HEAD.search(text, last_a, last_b) and all(
            _words(text, pa, pb) <= 2 and not _CLASS_HEAD.search(text, pa, pb) and not _OTHER.match(text, pa, pb)
            and (not _DRUG_NAME.search(text, pa, pb) or _SUBSTANCE_HEAD.search(text, *pieces[-1]))
            for pa, pb in pieces[:-1]) and not _OTHER.match(text, *pieces[-1]):
        return [(a, b)]
    return pieces


def find_exceptions(text: str, s: int, e: int, temp: Optional[FoundTemporal] = None) -> list[tuple[int, int]]:
    """Excepted things ("except basal cell carcinoma or cervical carcinoma in situ"): one span per
    coordinated item, without leading articles, "patients with", a list intro ("the following:") or
    a trailing "is documented"/"are allowed".

    Markers: except (for), excepting, excluding, with the exception(s) of, exception(s):, other than,
    apart from, aside from, save for, not including, but not, unless, except if/when. Inside a
    parenthesis the exception ends at its ")"; otherwise at the next marker or the statement end.
    A window at the end that scopes the whole statement ("within 14 days") is left out.
    """
    out: list[tuple[int, int]] = []
    marks = []
    for m in _EXCEPT.finditer(text, s, e):
        if m.group(0)[:9].lower() == "excluding" and _TEST_BEFORE.search(text, s, m.start()):
            continue  # "echocardiography excluding thrombus": the test rules it out, nothing is excepted
        if marks and marks[-1][0].group(0).lower().startswith(_CONDITIONAL) and not re.search(r"[;(]", text[marks[-1][0].end():m.start()]):
            continue  # "unless stopped for reasons other than lack of response": one conditional clause (set K)
        if marks and _REASONS_BEFORE.search(text, max(s, m.start() - 20), m.start()):
            continue  # "except one TNF inhibitor stopped for reasons other than non-response": one exception (set M)
        if m.group(0).lower().startswith("apart") and _SPACING_BEFORE.search(text, max(s, m.start() - 20), m.start()):
            continue  # "at least 14 days apart from the study vaccine": a spacing, not an exception
        close = None if _depth_zero(text, s, m.start()) else _paren_end(text, m.start(), e)
        if close is None and not _depth_zero(text, s, m.start()):
            continue
        marks.append((m, close))
    for i, (m, close) in enumerate(marks):
        marker = re.sub(r"\s+", " ", m.group(0).strip().lower())
        conditional = marker.startswith(_CONDITIONAL)
        a = m.end()
        b = marks[i + 1][0].start() if i + 1 < len(marks) else e
        if close is not None:
            b = min(b, close)
        elif _trim_clause(text, s, m.start())[1] <= _trim_clause(text, s, m.start())[0]:
            # "Other than psoriasis, history of any ... disease": an exception that opens the statement ends at its comma
            comma = next((c for c in _COMMA_AT.finditer(text, a, b) if _depth_zero(text, a, c.start())), None)
            if comma:
                b = comma.start()
        inc = _EXC_INCLUDING.search(text, a, b)
        if inc:  # "any lung disease other than asthma, including cystic fibrosis": the examples are not excepted
            b = inc.start()
        intro = _EXC_LIST_INTRO.match(text, a, b)
        if intro and intro.end() < b and (":" in intro.group(0) or "-" in intro.group(0) or "–" in intro.group(0)):
            a = intro.end()
        # (not in an "unless" clause: "unless treated and resolved on a follow-up biopsy before randomization")
        if (temp is not None and not conditional and a < temp.start < b
                and _words(text, temp.end, _trim_clause(text, a, b)[1]) <= 1):
            # ("with the exception of participants with normal testing in the last 6 months": the people's own)
            if (_STATEMENT_WINDOW.match(text, temp.start) and not _ATTACHED.search(text, a, temp.start)
                    and not _PEOPLE_WITH.match(text, a, temp.start)):
                b = temp.start
        due = _DUE_TO.match(text, a, b) if conditional else None
        if due and due.end() < b:  # "unless due to A or B": the causes are the excepted things (11.179)
            a, conditional = due.end(), False
        while a < b and text[a] in ",;: \t\r\n":  # "unless, in the opinion of ..."
            a += 1
        # "except diagnostic biopsy, within 4 weeks of day 1": a window after a comma is the statement's again;
        # "other than X but are controlled by diet": a new predicate after "but" is the statement's
        end = _EXC_COMMA_WINDOW.search(text, a, b) or _EXC_BUT_VERB.search(text, a, b)
        if end and not conditional and _depth_zero(text, a, end.start()):
            b = end.start()
        end = _IN_WHICH_CASE.search(text, a, b)  # "unless X, in which case Y must ...": Y is the statement's again
        if end and _depth_zero(text, a, end.start()):
            b = end.start()
        a, b = _trim_clause(text, a, b)
        if b <= a or _EXC_EMPTY.match(text, a, b):
            continue
        # "unless the participant has fatty liver disease, total bilirubin ...": a measured subject after a comma
        # starts the next part of the statement, not more of the exception
        for comma in _COMMA_AT.finditer(text, a, b):
            if _depth_zero(text, a, comma.start()) and any(
                    sj.start == comma.end() and sj.category in MEASURABLE
                    for sj in find_subjects(text, comma.end(), min(b, comma.end() + 40))):
                b = comma.start()
                break
        if not conditional:
            # "other than Alzheimer's disease that may contribute to cognitive impairment": a modal relative clause
            # says what the statement's head is (11.181); "other than knee osteoarthritis requiring daily analgesics
            # (e.g., fibromyalgia)": the examples and the phrase they illustrate are the statement's
            rel = _MODAL_RELATIVE.search(text, a, b)
            if rel and _depth_zero(text, a, rel.start()) and not _PERMISSION.match(text, rel.end() - 3, b):
                b = _trim_clause(text, a, rel.start())[1]
            eg = _EG_PAREN.search(text, a, b)
            if eg and _depth_zero(text, a, eg.start()):
                part = None
                for part in _PARTICIPLE_PHRASE.finditer(text, a, eg.start()):
                    pass
                # (examples right after the excepted thing illustrate it: "other than replacement therapy (e.g.,
                # thyroxine)" keeps them, set O 11.500)
                if part and part.start() > a:
                    b = _trim_clause(text, a, part.start())[1]
        if not conditional:  # "except hair loss, that has not resolved": the statement's again; a permission
            rel = _COMMA_RELATIVE.search(text, a, b)  # stays ("except X, which is permitted up to 14 days before", 11.109)
            if rel and _depth_zero(text, a, rel.start()) and not _PERMISSION.search(text, rel.end(), b):
                a, b = _trim_clause(text, a, rel.start())
        pred = _EXC_PREDICATE.search(text, a, b)  # "except X or Y, is exclusionary": the statement's predicate
        if pred and pred.group(0).startswith(",") and _depth_zero(text, a, pred.start()):
            b = pred.start()
        # "with the exception of participants with a positive antibody and undetectable RNA": one group of people
        people = _PEOPLE_WITH.match(text, a, b) is not None
        if people:  # ", or localized prostate cancer": another item after the group of people
            groups, prev = [], a
            for sep in _PEOPLE_ITEM_SEP.finditer(text, a, b):
                if _depth_zero(text, a, sep.start()):
                    groups.append((prev, sep.start()))
                    prev = sep.end()
            groups.append((prev, b))
            items = [it for ga, gb in groups[:1] for it in [(ga, gb)]] + [
                it for ga, gb in groups[1:] for it in _exception_items(text, ga, gb, conditional)]
        else:
            items = _exception_items(text, a, b, conditional)
        for pa, pb in items:
            lead = _EXC_LEAD.match(text, pa, pb)
            if lead and lead.end() < pb:
                pa = lead.end()
            lead = _PEOPLE_LEAD.match(text, pa, pb)
            if lead and lead.end() < pb:
                pa = lead.end()
            pred = _EXC_PREDICATE.search(text, pa, pb) or _EXC_PASSIVE_END.search(text, pa, pb)
            # "except where organ damage is present and surgery is needed": a condition goes on after its predicate
            if pred and not (conditional and _MORE_AFTER.search(pred.group(0))) and not _RELATIVE_END.search(text, pa, pred.start()):
                pb = pred.start()
            pa, pb = _trim_clause(text, pa, pb)
            if pb > pa:
                out.append((pa, pb))
    # a permission with no marker ("(treated brain metastases are allowed)", "; inhaled steroids are permitted")
    # excepts nothing: 11.41 needs a marker (11.109)
    return out


_REASONS_BEFORE = re.compile(r"\b(?:reasons?|causes?|grounds?|indications?)\s*$", re.I)
_SPACING_BEFORE = re.compile(r"\b(?:\d+|one|two|three|four)\s+(?:days?|weeks?|months?|hours?)\s*$", re.I)
_MODAL_RELATIVE = re.compile(r"\s+(?:that|which)\s+(?:may|might|could|would|can)\b", re.I)
_EG_PAREN = re.compile(r"\s*\(\s*(?:e\.\s?g\.?|such\s+as|including|for\s+example)", re.I)
_PARTICIPLE_PHRASE = re.compile(r"\s+(?=(?:requiring|needing|causing|leading|resulting|associated|related)\b)", re.I)
_DUE_TO = re.compile(r"\s*(?:(?:due|secondary|attributable|attributed|related)\s+to|explained\s+by)\s+", re.I)
_IN_WHICH_CASE = re.compile(r"\s*,?\s*in\s+which\s+case\b", re.I)
_EXC_COMMA_WINDOW = re.compile(r",\s*(?:within|in\s+the\s+(?:past|last|previous)|during\s+the|prior\s+to)\b", re.I)
_EXC_BUT_VERB = re.compile(r"\s+but\s+(?:are|is|was|were|have|has|had|must|should|may|can|will)\b", re.I)
_EXC_INCLUDING = re.compile(r",\s*(?:including|such\s+as|e\.g\.)\s", re.I)


_HEAD_WORD = re.compile(r"[A-Za-z][\w\-/'.]*|\d+[A-Za-z][\w\-]*|\([^()]{1,15}\)")
_HEAD_STOP = {
    "a", "an", "the", "of", "with", "and", "or", "in", "on", "at", "for", "to", "by", "from", "as", "is", "are", "be",
    "was", "were", "has", "have", "had", "must", "should", "will", "who", "which", "that", "than", "if", "patients",
    "patient", "participants", "subjects", "people", "persons", "individuals", "adults", "children", "women", "men",
    "history", "documented", "known", "confirmed", "defined", "having", "receiving", "received", "taking", "use",
    "more", "less", "least", "most", "greater", "lower", "higher", "above", "below", "over", "under", "not", "no",
    "all", "any", "each", "every", "prior", "previous", "current", "currently", "total", "level", "levels", "value",
    "values", "count", "counts", "e.g", "i.e", "including", "such", "per",
}
_HEAD_NONMEASURE = re.compile(
    r"^(?:therapy|therapies|treatment|treatments|lines?|regimens?|cycles?|doses?|courses?|months?|years?|weeks?|days?|"
    r"episodes?|lesions?|sites?|visits?|times?|stage|grade|type|phase|part|cohort|arm|step|criteria|criterion)$",
    re.I,
)


def _local_head(text: str, s: int, con_start: int) -> Optional[tuple[int, int]]:
    """Up to four name-like words right before a comparator, stopping at function words."""
    words = list(_HEAD_WORD.finditer(text, s, con_start))
    picked: list[re.Match] = []
    pos = con_start
    for w in reversed(words):
        gap = text[w.end():pos]
        if gap.strip(" \t:=") or len(picked) >= 4:
            break
        token = w.group(0)
        if token.lower().rstrip(".") in _HEAD_STOP:
            break
        picked.append(w)
        pos = w.start()
    picked.reverse()
    if len(picked) == 1 and picked[0].group(0).startswith("(") and sum(c.isupper() for c in picked[0].group(0)) >= 2:
        return picked[0].start() + 1, picked[0].end() - 1  # "... level (CAL) ≥ 5 mm": the abbreviation
    while picked and picked[0].group(0).startswith("("):
        picked.pop(0)
    if not picked:
        return None
    last = picked[-1].group(0)
    if last.startswith("(") and len(picked) > 1:
        last = picked[-2].group(0)
    if _HEAD_NONMEASURE.match(last) or not any(c.isalpha() for c in last):
        return None
    measure_noun = _MEASURE_NOUN.search(last) is not None
    abbreviation = sum(c.isupper() or c.isdigit() for c in last) >= 2
    if not (measure_noun or abbreviation):
        if len(picked) == 1 or re.search(r"(?:ed|ing)$", last, re.I):
            return None  # "take at least 1", "experienced more than 3": verbs, not measures
    return picked[0].start(), picked[-1].end()


_MEASURE_NOUN = re.compile(
    r"(?:score|scale|index|ratio|rate|level|pressure|count|volume|size|diameter|length|width|thickness|saturation|"
    r"concentration|fraction|percentage|time|duration|distance|weight|circumference|grade|class|test|velocity|"
    r"depth|area|mass|density|output|flow|clearance|titer|titre|load|value|angle|range|strength|speed|capacity)s?$",
    re.I,
)
_NOT_MEASURE_UNITS = {"a", "mo", "wk", "d", "h", "min"}
_DOSE_UNIT = re.compile(r"^(?:mg|g|ug|mcg|[IU]|\[IU\])(?:/(?:kg|d|day|wk|m2))*(?:/d|/wk)?$|/d$|/wk$")


_SCORE_GAP = re.compile(r"\s*(?:(?:score|of|is|was|:|=)\s*){0,2}", re.I)


def _score_value(text: str, subjects: list[FoundSubject], con: Found) -> bool:
    """"Gleason score 7", "Karnofsky performance status of 70": a bare number right after a score."""
    return con.value is not None and any(
        s.category == "score" and s.end <= con.start and _SCORE_GAP.fullmatch(text, s.end, con.start)
        for s in subjects)


def _with_bare_values(text: str, subjects: list[FoundSubject], constraints: list[Found],
                      claimed: list[tuple[int, int]], ce: int) -> list[Found]:
    """"Age 18 years or older and weight 40 kg": a measurable subject with no comparator after it
    takes the number (with a unit) written right after it, even when the clause has other constraints."""
    extra: list[Found] = []
    for s in subjects:
        if s.category not in MEASURABLE or s.category == "age":
            continue
        window = min(ce, s.end + 25)
        if any(c.start < window and c.end > s.end for c in constraints):
            continue
        busy = claimed + [(c.start, c.end) for c in constraints] + [(o.start, o.end) for o in subjects]
        for c in bare_values(text, s.end, window, busy):
            if _SCORE_GAP.fullmatch(text, s.end, c.start) and (c.unit_normalized or _score_value(text, subjects, c)):
                extra.append(c)
                break
    return sorted(constraints + extra, key=lambda c: c.start) if extra else constraints


# a clinical state a second limit is for: "> 900 pg/mL in atrial fibrillation", "in sinus rhythm"
_STATE_COND = r"(?:in\s+(?:sinus\s+rhythm|atrial\s+fibrillation|AF\b|atrial\s+flutter|the\s+presence\s+of\b))"
_COND_AFTER = re.compile(
    r"(?:\s+(?:at|on)\s+(?:screening|baseline))?\s*,?\s*(?P<cond>(?:if|when|in\s+case\s+of|with(?=\s+[^()]*\))|"
    r"(?:in|for)\s+(?:those\b|" + _WHO + r")|" + _STATE_COND + r")[^()]*?|(?<=\()\s*(?:men|women|males|females|boys|girls))"
    r"\s*(?:\)|$)", re.I)
_LIMIT_SEP = re.compile(r"\s*(?:\(|,|\bor\b)", re.I)
_CONDITIONAL_LIMIT = re.compile(
    r"(?:\\?[<>≤≥]=?|=<|=>|(?:less|more|greater|lower|higher)\s+than|at\s+(?:least|most)|up\s+to)\s*\d(?:,\d{3})*[^,;()]*?"
    r"\b(?:if|when|in\s+case\s+of|(?:in|for)\s+(?:those|" + _WHO + r")|" + _STATE_COND + r")\b", re.I)


def _conditional_limits(text: str, atoms: list[Atom], ce: int) -> list[Atom]:
    """"ALT ≤ 2.5 × ULN (≤ 5 × ULN if liver metastases are present)", "Platelets ≥ 75, or ≥ 50 if marrow
    plasma cells ≥ 50%": the second limit applies to a subgroup (its `condition`, op AND, the whole span);
    the first limit's statement ends before it and applies to everyone else (§11.40). A limit inside the
    condition describes the subgroup and is no statement of its own."""
    out = list(atoms)
    for atom in atoms:
        c = atom.constraint
        if c is None or atom.excepted or atom not in out:
            continue
        m = _COND_AFTER.match(text, c.end, ce)
        if not m:
            continue
        earlier = [a for a in out if a is not atom and a.constraint is not None and a.constraint.end <= c.start
                   and a.subject is not None and a.condition is None and not a.excepted]
        if atom.subject is None:  # "NT-proBNP ≥ 600 pg/mL (≥ 900 pg/mL in patients with AF)": the last limit's subjects
            last = max((a.constraint.end for a in earlier), default=None)
            base = [a for a in earlier if a.constraint.end == last]
        else:
            base = [a for a in earlier if a.subject.name == atom.subject.name]
        if not base:
            continue
        cond = (m.start("cond"), m.end("cond"))
        start, end = min(atom.start, *(b.start for b in base)), max(atom.end, cond[1] + (text[cond[1]:cond[1] + 1] == ")"))
        mine = [atom] if atom.subject is not None else [
            Atom(start, end, b.subject, c, LogicOp.AND, cond) for b in base]
        for a in mine:
            a.condition, a.op, a.start, a.end = cond, LogicOp.AND, start, end
        for b in base:
            b.op = LogicOp.AND
            sep = None
            for sep in _LIMIT_SEP.finditer(text, b.constraint.end, c.start):
                pass  # the separator nearest the second limit: "< 3X the ULN (upper limit) for the lab (< 5X ..."
            if sep and b.end > sep.start():
                b.end = _trim_clause(text, b.start, sep.start())[1]
                while b.end > b.start and text[b.end - 1] in "-–:(/ ":  # "… (ULN) - or ≤ 5 × ULN if …"
                    b.end -= 1
                b.start, b.end = _balance(text, b.start, b.end)
        i = out.index(atom)
        out[i:i + 1] = mine
        out = [a for a in out if a.constraint is None or a in mine
               or not (cond[0] <= a.constraint.start and a.constraint.end <= cond[1])]
    return out


_WITH_GAP = re.compile(r"\s+with\s+(?:an?\s+|the\s+|concomitant\s+|concurrent\s+)?", re.I)


def _with_limit_condition(text: str, atoms: list[Atom]) -> list[Atom]:
    """"ALT > 3 × ULN with total bilirubin > 2 × ULN", "Positive HIV antibody with CD4+ count ≤ 200": the second
    limit narrows the first; one statement (each distributed subject keeps its own) with it as `condition` (11.467)."""
    out = list(atoms)
    for b in atoms:
        if b.subject is None or b.constraint is None or b.excepted or b.constraint.start < b.subject.start:
            continue
        firsts = [a for a in out if a is not b and a.constraint is not None and a.subject is not None and not a.excepted
                  and a.condition is None and max(a.constraint.end, a.subject.end) < b.subject.start
                  and _WITH_GAP.fullmatch(text, max(a.constraint.end, a.subject.end), b.subject.start)]
        if not firsts:
            continue
        gap_start = max(firsts[0].constraint.end, firsts[0].subject.end)
        cond = (gap_start + len(text[gap_start:b.subject.start]) - len(text[gap_start:b.subject.start].lstrip()),
                b.constraint.end)
        for a in firsts:
            a.end = max(a.end, b.constraint.end)
            a.condition = cond
        out = [x for x in out if x is not b]
    return out


_TRAILING_IF = guarded(r"\s+(?P<cond>if\s+(?:older|younger|aged?|over|under|\d)[^,;()]{1,60}?)\s*$", re.I)


def _trailing_condition(text: str, atoms: list[Atom], cs: int, ce: int) -> list[Atom]:
    """"Karnofsky ≥ 50% if older than 16 years": the age says whom the limit is for (`condition`, §11.39);
    its number is no statement of its own (11.40)."""
    end = _trim_clause(text, cs, ce)[1]
    m = _TRAILING_IF.search(text, cs, end)
    if not m:
        return atoms
    a, b = m.start("cond"), m.end("cond")
    kept = [at for at in atoms if at.constraint is None or not (a <= at.constraint.start and at.constraint.end <= b)]
    if not any(at.constraint is not None for at in kept):
        return atoms
    for at in kept:
        if at.condition is None and at.end >= b:
            at.condition = (a, b)
    return kept


_WASHOUT_LEAD = re.compile(r"\b(?:washout|wash-out|within|before|prior\s+to)\b", re.I)
_BARE_END_AMOUNT = re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*-?\s*(?P<u>days?|weeks?|months?|years?|hours?)\s*$", re.I)
_BARE_AMOUNT = re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*-?\s*(?P<u>days?|weeks?|months?|years?|hours?)", re.I)
_TIME_UNIT_NAME = {"day": "day", "week": "week", "month": "month", "year": "year", "hour": "hour"}
_COND_WINDOW = re.compile(r"\s*\(\s*(?P<win>[^()]*?)\s+(?P<cond>(?:for|in)\s+[^()]{2,120}?)\s*\)\s*$", re.I)


def _conditional_window(text: str, atoms: list[Atom], temporals: list[FoundTemporal], cs: int, ce: int) -> list[Atom]:
    """"Use of antidepressants within 2 weeks before baseline (within 5 weeks for fluoxetine)": the window in
    the parenthesis applies to a subgroup, like a conditional limit (§11.40, 11.135): the first statement
    ends before the parenthesis, a second spans both with the parenthesis' window and its `condition`."""
    if not temporals or not text.endswith(")", 0, _trim_clause(text, cs, ce)[1]):
        return atoms
    end = _trim_clause(text, cs, ce)[1]
    m = _COND_WINDOW.search(text, cs, end)
    if not m or not _depth_zero(text, cs, m.start()):
        return atoms
    inner = [t for t in temporals if m.start("win") <= t.start and t.end <= m.end("win") and t.amount is not None]
    outer = [t for t in temporals if t.end <= m.start() and t.amount is not None]
    if not inner and outer:  # "within 12 weeks before baseline (24 weeks for ustekinumab)": the outer window's kind
        bare = _BARE_AMOUNT.fullmatch(text, m.start("win"), m.end("win"))
        if bare:
            t0 = outer[-1]
            inner = [FoundTemporal(t0.relation, bare.start(), bare.end(), parse_number(bare.group("n")), None,
                                   _TIME_UNIT_NAME.get(bare.group("u").lower().rstrip("s"), None), None)]
            temporals.append(inner[0])
    if not inner or not outer or inner[0].start != m.start("win") or inner[0].unit is None:
        return atoms
    out = []
    for a in atoms:
        if a.end < m.end() or a.condition is not None or (a.constraint is not None and a.constraint.start >= m.start()):
            out.append(a)
            continue
        first = Atom(a.start, _trim_clause(text, a.start, m.start())[1], a.subject, a.constraint, a.op, None, a.example,
                     a.excepted)
        second = Atom(a.start, a.end, a.subject, a.constraint, LogicOp.AND, (m.start("cond"), m.end("cond")), a.example,
                      a.excepted, (inner[0].start, inner[0].end))
        out += [first, second]
    return out


def _blood_pressure_parts(atoms: list[Atom]) -> None:
    """"Blood pressure < 140/90 mmHg": the systolic and the diastolic limit, each with its subject
    name (bp.systolic, bp.diastolic), both on the blood-pressure words (or none when not written)."""
    owner = {}
    for a in atoms:
        if a.constraint is not None and a.constraint.part and a.subject is not None:
            owner[(a.constraint.start, a.constraint.end)] = a.subject
    for a in atoms:
        con = a.constraint
        if con is None or not con.part:
            continue
        subj = a.subject or owner.get((con.start, con.end))
        if subj is None or subj.name not in ("bp", "", "bp.systolic", "bp.diastolic"):
            continue
        a.subject = FoundSubject(subj.start, subj.end, "bp." + con.part, "vital", None)


def _unpaired(text: str, atoms: list[Atom], constraints: list[Found], cs: int, ce: int) -> list[Atom]:
    """Numeric constraints that no statement took ("pain in at least one shoulder for at least
    three months"): each becomes a statement of the clause of its own, so that none is lost."""
    used = {id(a.constraint) for a in atoms}
    out: list[Atom] = []
    for c in constraints:
        if id(c) in used or c.value is None:
            continue
        # "Hb ≥ 10 g/dL for men and ≥ 9 g/dL for women", "ALT and AST ≤ 2.5 × ULN (≤ 5 × ULN if ...)":
        # a second limit of the same subject(s) right after the first
        prev = [a for a in atoms + out if a.constraint is not None and a.constraint.end <= c.start]
        last = max((a.constraint.end for a in prev), default=None)
        owners = [a for a in prev if a.constraint.end == last and a.subject is not None]
        gap = _INHERIT_GAP.fullmatch(text, last, c.start) if owners else None
        if (gap and owners and _EQUIV_GAP.fullmatch(text, last, c.start) and c.unit_normalized
                and owners[0].constraint.unit_normalized and c.unit_normalized != owners[0].constraint.unit_normalized
                and _EQUIV_END.match(text, c.end, ce)):
            continue  # "HbA1c 7.0-10.5% (53-91 mmol/mol)": the same limit in other units, inside its span (§11.7)
        if gap:
            op = LogicOp.OR if (gap.group("op") or "").lower() in ("or", "and/or") else LogicOp.AND
            if gap.group("group"):
                # "QTcF > 450 ms in men or > 470 ms in women": the first limit's statement ends with its
                # subgroup; the second one's spans the whole (§11.40)
                for a in owners:
                    if (a.start, a.end) == (cs, ce):
                        a.end = gap.end("group")
                    a.condition = a.condition or (gap.start("group"), gap.end("group"))
                op = LogicOp.AND
            after = _SUBGROUP.match(text, c.end, ce)
            cond = (after.start("group"), after.end("group")) if after else None
            out += [Atom(cs, ce, a.subject, c, op, cond) for a in owners]
        else:
            out.append(Atom(cs, ce, None, c))
    return out


_GROUP_WORD = r"(?:men|women|males|females|boys|girls|children|adults)"
_GROUP_LEAD = r"(?:for|in)\s+(?:\w+\s+){0,2}?"
_SUBGROUP = re.compile(r"\s*\(?(?P<group>(?:" + _GROUP_LEAD + r")?" + _GROUP_WORD + r")\b", re.I)
_PAREN_GROUP = re.compile(r"\(\s*(?P<group>" + _GROUP_WORD + r")\s*\)\s*$", re.I)
_INHERIT_GAP = re.compile(
    r"\s*(?P<group>" + _GROUP_LEAD + _GROUP_WORD + r"|\(\s*(?:" + _GROUP_LEAD + r")?" + _GROUP_WORD + r"\s*\))?"
    r"\s*[,;]?\s*(?:\(|(?P<op>or|and|and/or)\b)?\s*", re.I)


def _measured(con: Found) -> bool:
    """A value that a named measurement can carry (not an age, a duration or a dose)."""
    return (con.value is not None and con.unit_normalized not in _NOT_MEASURE_UNITS
            and not _DOSE_UNIT.search(con.unit_normalized or ""))


def _with_local_heads(text: str, cs: int, subjects: list[FoundSubject], constraints: list[Found]) -> list[FoundSubject]:
    """Several constraints in one clause: give each one without a lexicon subject the measured
    thing written right before it ("CAL ≥ 5 mm and pocket depth ≥ 6 mm"), so that each becomes a
    statement of its own instead of the second being lost."""
    out = list(subjects)
    prev = cs
    for con in constraints:
        if (_implicit_age(text, prev, con) and not any(prev <= s.start and s.end <= con.start for s in subjects)
                and (prev == cs or not _CHAIN.fullmatch(text, prev, con.start))):
            # "between 18 and 80 years, ASA 1-3": the age range is a statement too (marker, see build_criteria)
            out.append(FoundSubject(con.start, con.start, "age", _IMPLICIT_AGE))
        elif _measured(con) and not any(prev <= s.start and s.end <= con.start for s in subjects):
            head = _local_head(text, prev, con.start)
            if head is not None and not any(s.start < head[1] and head[0] < s.end for s in subjects):
                out.append(FoundSubject(head[0], head[1], "", "measurement"))
        prev = con.end
    out.sort(key=lambda s: s.start)
    return out


def _outside(text: str, subjects: list[FoundSubject], constraints: list[Found]) -> list[FoundSubject]:
    """Drop subjects inside a constraint ("ULN"); trim one that starts inside a constraint's unit
    ("≥ 18 [years of age]" -> "age") so that it follows the constraint."""
    out = []
    for s in subjects:
        inside = next((c for c in constraints if c.start <= s.start < c.end), None)
        if inside is None:
            out.append(s)
            continue
        if s.end <= inside.end:
            if s.category in MEASURABLE and not any(a <= s.start < b for a, b in inside.value_spans):
                # "< 100,000 platelets/µL", "between the ages of 18 and 65": named inside the constraint
                out.append(s)
            continue
        m = _SUBJECT_TAIL.match(text, inside.end, s.end)
        start = m.end() if m else inside.end
        if start < s.end:
            out.append(FoundSubject(start, s.end, s.name, s.category, s.code))
    return out


_SUBJECT_TAIL = re.compile(r"\s*(?:of\s+)?", re.I)


def _prev_end(groups, gi: int, subjects) -> int:
    chosen, con = groups[gi - 1]
    return max(con.end, max(subjects[i].end for i in chosen))


def _cut_connector(text: str, s: int, e: int) -> int:
    m = _TRAILING_CONNECTOR.search(text[s:e])
    return s + m.start() if m and m.start() > 0 else e


# a connector (and a lower-case article) left at the end of a part: "ECOG 0-1 and a", "... with a"
_TRAILING_CONNECTOR = re.compile(r"(?:\s*(?:,|\band\b|\bor\b|\band/or\b|;|\bwith\b))+(?:\s+(?-i:an?|the))?\s*$", re.I)


def _heuristic_subject(text: str, s: int, e: int, skip: Optional[tuple[int, int]] = None) -> Optional[tuple[int, int]]:
    """The head phrase of a condition/therapy statement: after lead words, up to a stop word.
    `skip` is a leading phrase to pass over (a temporal window that opens the statement)."""
    if skip is not None and skip[0] - s <= 1:
        s = skip[1]
        while s < e and text[s] in " ,:":
            s += 1
        m0 = _THERE_IS.match(text, s, e)
        if m0:
            s = m0.end()
    cond = _CONDITION.match(text, s, e)
    if cond and cond.group("w"):  # "Women of childbearing potential must use X": X
        s = cond.end()
    m = _SUBJECT_LEAD.match(text, s, e)
    a = m.end() if m else s
    b = e
    for stop in _SUBJECT_STOP.finditer(text, a, e):
        if stop.start() <= a:
            continue
        if stop.group(0).strip() == "," and _LIST_TAIL.match(text, stop.end(), e):
            continue  # "Pregnancy, lactation or ...": a list, not the end of the subject
        b = stop.start()
        break
    if b - a > 2:
        sm = _SPECIMEN.match(text, a, b)
        if sm and sm.end() < b:
            a = sm.end()
    a, b = _trim_clause(text, a, b)
    if b - a < 2 or not any(c.isalpha() for c in text[a:b]):
        return None
    return a, b


# ------------------------------------------------------------------------------------- build


@lru_cache(maxsize=None)
def _hypothetical_rules() -> tuple[Gated, dict[str, str]]:
    """Cues of statements that are not plain facts (`models/rules/hypothetical_cues.jsonl`)."""
    path = model_file("rules", "hypothetical_cues.jsonl")
    kinds: dict[str, str] = {}
    for n, rec in read_jsonl(path):
        check_keys(rec, path, n, {"literal", "kind"})
        if rec["kind"] not in ("uncertain", "future", "risk"):
            raise RuleFileError(path, n, "kind must be uncertain, future or risk")
        kinds[rec["literal"].lower()] = rec["kind"]
    words = sorted(kinds, key=len, reverse=True)
    # folded: the lower-cased text on ASCII statements (the flag lower-cases the match anyway); Gated:
    # scanned only where one of the cue words occurs (few statements)
    rx = Gated(r"\b(?:" + "|".join(r"\s+".join(map(re.escape, w.split())) for w in words) + r")\b", re.I,
               max_words=64, fold=True)
    return rx, kinds


def hypothetical_flags(text: str, s: int, e: int) -> list[str]:
    """"suspected infection", "planned surgery", "at risk of falls": flags `hypothetical:<kind>` so
    that a consumer does not read the statement as a plain fact (the condition span is separate)."""
    rx, kinds = _hypothetical_rules()
    out = []
    for m in rx.finditer(text, s, e):
        flag = "hypothetical:" + kinds[re.sub(r"\s+", " ", m.group(0).lower())]
        if flag not in out:
            out.append(flag)
    return out


def _polarity(section: str, negated: bool) -> Polarity:
    excl = section == "exclusion"
    return Polarity.EXCLUDE if excl != negated else Polarity.REQUIRE


# "other" is no judgment ("or other anti-angiogenic agents", "other than X": 33 of 36 dev gold statements are
# computable), nor is the diagnosis "unstable angina"
_SUBJECTIVE = Gated(r"\b(?:clinically\s+(?:significant|relevant)|severe|serious|significant|adequate|uncontrolled|"
                    r"unstable(?!\s+angina)|appropriate|suitable|poor|good)\b", re.I)


def _computable(cat: Category, subj, con, temporal, text: str) -> tuple[bool, Optional[Reason]]:
    if cat == Category.JUDGMENT:
        return False, Reason.SUBJECTIVE
    if cat == Category.CONSENT:
        return False, Reason.ADMINISTRATIVE
    if subj is not None and subj.category in MEASURABLE:
        if con is None:
            return False, Reason.NO_CONSTRAINT
        if con.unit and not con.unit_normalized:
            return False, Reason.UNSUPPORTED_UNIT
        return True, None
    if cat == Category.PREGNANCY and _AGREE.search(text):
        return False, Reason.ADMINISTRATIVE
    if _SUBJECTIVE.search(text):
        return False, Reason.SUBJECTIVE
    if cat in (Category.CONDITION, Category.THERAPY, Category.PROCEDURE, Category.PREGNANCY, Category.SEX,
               Category.LIFESTYLE):
        return True, None
    return False, Reason.NO_SUBJECT


def _span(text: str, s: int, e: int) -> Span:
    return Span(text[s:e], s, e)


def build_criteria(trial: Trial, seg: Optional[Segmentation] = None) -> list[Criterion]:
    """All Criterion records of a trial's criteria text (structured fields not included)."""
    text = trial.criteria
    seg = seg or segment(text)
    out: list[Criterion] = []
    leads: dict[int, Optional[tuple[int, int]]] = {}  # id(item) -> its exception lead (parents come first)
    for item in seg.items:
        exc_lead = leads[id(item)] = _exception_lead(text, item) if item.children else None
        parent = item.parent
        if parent is not None and parent.children and (
                leads[id(parent)] if id(parent) in leads else _exception_lead(text, parent)):
            continue  # "Malignancy within 5 years, with the following exceptions: a. ... b. ...": exceptions
        item_clauses = [exc_lead] if exc_lead else item.clauses
        if not item_clauses:
            continue
        first = len(out)
        itext = item_text(seg, item)
        lead = item_text(seg, item.parent) if item.parent is not None else None
        # "Disease activity, as evidenced by one of the following:" - its children are alternatives (11.100)
        one_of = lead is not None and bool(
            _ONE_OF.search(lead) or (item.section == "inclusion" and _ANY_OF.search(lead)))
        sec = Section(item.section)
        counter = 0
        clauses = []
        clause_constraints = {}
        for cs0, ce0 in item_clauses:
            found = [c for c in find_constraints(text, cs0, ce0) if not _SCALE_AFTER.match(text, c.end)
                     and not _APART_AFTER.match(text, c.end)]  # "on two occasions at least 7 days apart": no limit
            for sub in _subclauses(text, cs0, ce0, found, item.section == "inclusion"):
                if sub[0] > cs0:  # "... with a fall in systolic BP ≥ 20 mmHg": a split-off part starts at its noun
                    art = _LEAD_ARTICLE.match(text, sub[0], sub[1])
                    if art:
                        sub = (art.end(),) + tuple(sub[1:])
                clauses.append(sub)
                clause_constraints[(sub[0], sub[1])] = found
        or_clauses = any(op == LogicOp.OR for _, _, op, _ in clauses)
        last_label = None
        for cs, ce, clause_op, label in clauses:
            tail = _EXCLUDING_TAIL.search(text, cs, ce) if ce - cs > 24 and sec == Section.EXCLUSION else None
            if tail is not None and tail.start() - cs > 8:
                # "Current alcohol use disorder is exclusionary", "..., excludes the participant": the predicate
                # says what the section says; the statement is its subject (11.461)
                found = clause_constraints[(cs, ce)]
                ce = _trim_clause(text, cs, tail.start())[1]
                clause_constraints[(cs, ce)] = found
            if label and (lead is None or lead == last_label):
                lead = last_label = label  # a later label takes over ("Hematopoietic: ... Hepatic: ...")
            temporals = find_temporal(text, cs, ce)
            claimed = [(t.start, t.end) for t in temporals]
            # the clause's constraints inside this piece and outside its temporal windows
            constraints = [c for c in clause_constraints[(cs, ce)] if cs <= c.start and c.end <= ce
                           and not any(c.start < b and a < c.end for a, b in claimed)]
            subjects = find_subjects(text, cs, ce)
            # subjects inside a constraint span (e.g. "ULN") are not subjects
            subjects = _outside(text, subjects, constraints)
            his = {f.pair_start for f in constraints if f.pair_start is not None}
            tail_ages = [sj for sj in subjects if sj.name == "age" and any(
                c.start in his and _OF_AGE_GAP.fullmatch(text, c.end, sj.start) for c in constraints)]
            if tail_ages:  # "between 6 months and 17 years old": "old" is the range's, not a second subject
                subjects = [sj for sj in subjects if sj not in tail_ages]
            ages = [sj for sj in subjects if sj.name == "age"]
            if len(ages) > 1:
                # "Children aged ≥ 12 months and < 18 years of age": the tail "of age"/"old" of the second bound
                # is the same age, not a second subject (§11.13)
                subjects = [sj for sj in subjects if sj is ages[0] or sj.name != "age"
                            or not any(_OF_AGE_GAP.fullmatch(text, c.end, sj.start) for c in constraints)]
            if subjects and constraints:
                # "PANSS positive subscale score", "Urticaria Activity Score over 7 days": words of the name, no limit
                constraints = [c for c in constraints if not any(sj.start < c.start and c.end <= sj.end for sj in subjects)]
            for sj in [sj for sj in subjects if sj.name == "age"]:
                am = _AGE_QUALIFIER.search(text, max(cs, sj.start - 16), min(ce, sj.end + 30))
                if am and am.start("age") == sj.start and _CONDITION_BEFORE_AGE.search(text, cs, am.start()):
                    # "family history of sudden death before the age of 40": when the condition happened, not
                    # the participant's age (set O, set G)
                    subjects = [x for x in subjects if x is not sj]
                    constraints = [c for c in constraints if not (am.start() <= c.start < am.end())]
            grading = _grading_paren(text, cs, ce, subjects, constraints)
            if grading:  # "Decompensated cirrhosis (Child-Pugh B or C)": the condition is the statement
                subjects = [sj for sj in subjects if not any(a <= sj.start < b for a, b in grading)]
                constraints = [c for c in constraints if not any(a <= c.start < b for a, b in grading)]
            excepted_in = _excepted_constraints(text, cs, ce, constraints, subjects)
            excepted = [c for c, _ in excepted_in]
            if excepted:
                constraints = [c for c in constraints if c not in excepted]
                # and the subjects measured inside those exceptions are not the statement's
                inner = {id(c): next((sj for sj in reversed(subjects) if a <= sj.start and sj.end <= c.start), None)
                         for c, (a, b) in excepted_in}
                subjects = [sj for sj in subjects if not any(a <= sj.start < b for _, (a, b) in excepted_in)]
            if not constraints and any(s.category in MEASURABLE for s in subjects):
                # "... insulin ..., except short-term insulin for up to 14 days": no bare value from an exception
                skip = claimed + (find_exceptions(text, cs, ce) if _EXCEPT.search(text, cs, ce) else [])
                constraints = bare_values(text, cs, ce, skip)
                constraints = [c for c in constraints if not any(s.start <= c.start < s.end for s in subjects)
                               and (c.unit_normalized or _score_value(text, subjects, c))]
            elif constraints:
                constraints = _with_bare_values(text, subjects, constraints, claimed, ce)
            measurable = [s for s in subjects if s.category in MEASURABLE]
            if len(constraints) > 1:
                measurable = _with_local_heads(text, cs, measurable, constraints)
            atoms = _pair(text, cs, ce, measurable, constraints) if measurable or constraints else [Atom(cs, ce)]
            if constraints:
                atoms += _unpaired(text, atoms, constraints, cs, ce)
                _blood_pressure_parts(atoms)
                atoms = _conditional_limits(text, atoms, ce)
                if item.section != "inclusion":  # (in inclusion both limits are required, §11.17)
                    atoms = _with_limit_condition(text, atoms)
            atoms = _conditional_window(text, atoms, temporals, cs, ce)
            atoms = _trailing_condition(text, atoms, cs, ce)
            # "except asymptomatic lesions ≤ 1 cm": kept over the statement's span, flagged, not its constraint
            atoms += [Atom(cs, ce, inner[id(c)], c, excepted=True) for c in excepted]
            for atom in atoms:
                if atom.subject is not None and atom.subject.category == _IMPLICIT_AGE:
                    atom.subject = None
                if atom.subject is None and atom.constraint is not None and _implicit_age(text, atom.start, atom.constraint):
                    c = atom.constraint
                    atom.subject = FoundSubject(c.unit_span[0], c.unit_span[1], "age", "age", _AGE_CODE)
                if (atom.subject is not None and atom.subject.name == "age" and atom.constraint is not None
                        and not text.startswith(("age", "Age", "AGE"), atom.subject.start)):
                    # "Adults ≥ 18 years old": the people word names whose age it is (as the gold writes it)
                    who = _AGE_PEOPLE.match(text, atom.start, atom.constraint.start)
                    if who:
                        atom.subject = FoundSubject(who.start("w"), who.end("w"), "age", "age", _AGE_CODE)
            if his:
                # the two bounds of "6 months to 65 years" share one subject (§11.13)
                for atom in atoms:
                    c = atom.constraint
                    if atom.subject is None and c is not None and (c.start in his or c.pair_start is not None):
                        partner = next((a for a in atoms if a is not atom and a.subject is not None and a.constraint
                                        is not None and (a.constraint.pair_start == c.start or c.pair_start == a.constraint.start)), None)
                        atom.subject = partner.subject if partner else (tail_ages[0] if tail_ages else None)
            # alternatives of "one of the following" share their lead-in's group, so that a reader can OR them
            group = f"{sec.value}-{item.parent.path if one_of else item.path}"
            for atom in atoms:
                counter += 1
                if (or_clauses and clause_op == LogicOp.OR) or one_of:
                    atom.op = LogicOp.OR
                out.append(_criterion(trial, seg, item, itext, lead, sec, atom, temporals, group, counter, cs, ce))
        # "... within 3 months before screening, or planned during the study": the plan is about the same thing
        # (GUIDELINES 11.83): the first part's category, not computable (administrative)
        for prev, crit in zip(out[first:], out[first + 1:]):
            if (crit.category == Category.OTHER and crit.logic.op == LogicOp.OR and _PLANNED_PART.match(crit.text)
                    and (crit.subject is None or crit.subject.name is None and _PLANNED_PART.match(crit.subject.text))):
                crit.category, crit.computable, crit.reason = prev.category, False, Reason.ADMINISTRATIVE
                crit.subject = None  # no subject of its own
                crit.expression = to_expression(crit)
        if exc_lead:
            spans = [_span(text, *_trim_clause(text, ch.start, ch.end)) for ch in item.children]
            for crit in out[first:]:
                crit.exceptions = crit.exceptions + [sp for sp in spans if sp.end > sp.start]
                crit.expression = to_expression(crit)
    return out


_EXC_LEAD_IN = re.compile(
    r"\s*[,;]?\s*(?:\((?:\s*)?)?(?:with\s+(?:the\s+)?(?:following\s+)?exceptions?(?:\s+(?:of|to))?|except(?:\s+for)?|exceptions?|"
    r"other\s+than|excluding|apart\s+from)(?:\s+(?:the\s+following|those\s+listed\s+below|as\s+follows))?\s*:?\s*\)?\s*:?\s*$",
    re.I)


def _exception_lead(text: str, item: Item) -> Optional[tuple[int, int]]:
    """The statement part of a lead-in whose children are exceptions, or None."""
    s, e = _trim_clause(text, item.start, item.end)
    if e - s > 400:
        return None
    m = _EXC_LEAD_IN.search(text, s, e)
    if not m or m.start() <= s:
        return None
    a, b = _trim_clause(text, s, m.start())
    return (a, b) if b > a else None


def _criterion(trial, seg, item: Item, itext, lead, sec, atom: Atom, temporals: list[FoundTemporal], group, idx,
               cs, ce) -> Criterion:
    text = trial.criteria
    s, e = atom.start, atom.end
    stext = text[s:e]
    subj_found = atom.subject
    con = atom.constraint
    # temporal windows inside the statement span (or the clause, for a one-atom clause)
    inside = [t for t in temporals if s <= t.start and t.end <= e]
    if not inside and (s, e) == (cs, ce):
        inside = temporals
    if atom.window is not None:  # "(within 5 weeks for fluoxetine)": the subgroup's own window
        inside = [t for t in inside if (t.start, t.end) == atom.window] or inside
    sub = _SUBGROUP_LEAD.match(text, s, e) if inside else None
    if sub is not None:
        # "For participants currently taking a VKA: INR ≤ 2.5", "Subjects currently treated with lithium must have
        # ...": the subgroup's "currently" says who, not when the statement holds (11.470)
        inside = [t for t in inside if not (s <= t.start and t.end <= sub.end())]
    temp = _choose_window(text, inside)
    if temp is None and lead and _WASHOUT_LEAD.search(lead):
        # "Use of ADHD medication within the following washout periods: stimulants 7 days; ...": each child's bare
        # amount is its window (set N)
        bare = _BARE_END_AMOUNT.search(text, s, e)
        if bare:
            temp = FoundTemporal("within", bare.start(), bare.end(), parse_number(bare.group("n")), None,
                                 _TIME_UNIT_NAME.get(bare.group("u").lower().rstrip("s")), None)
    subject = None
    if subj_found is not None and subj_found.category == "measurement":
        subject = Subject(text[subj_found.start:subj_found.end], subj_found.start, subj_found.end, None, None,
                          "measurement")
        subj_found = None
    elif subj_found is not None:
        subject = Subject(text[subj_found.start:subj_found.end], subj_found.start, subj_found.end,
                          subj_found.name, subj_found.code, subj_found.category)
    elif (con is not None and _measured(con)
          and (head := _local_head(text, s, con.start)) is not None):
        # "OASIS score > 8", "knee flexion ROM < 90 degrees": the measured thing right before
        subject = Subject(text[head[0]:head[1]], head[0], head[1], None, None, "measurement")
    else:
        hs = _heuristic_subject(text, s, e, (temp.start, temp.end) if temp else None)
        if hs and not (con and hs[0] >= con.start and hs[1] <= con.end):
            subject = Subject(text[hs[0]:hs[1]], hs[0], hs[1])
    exc_spans = find_exceptions(text, s, e, temp)
    if temp is not None and not atom.excepted and any(a <= temp.start and temp.end <= b for a, b in exc_spans):
        # "Vigabatrin use, with the exception of ... visual field testing in the last 6 months": the
        # excepted thing's window is not the statement's (§11.55)
        temp = _choose_window(text, [t for t in inside if not any(a <= t.start and t.end <= b for a, b in exc_spans)])
        exc_spans = find_exceptions(text, s, e, temp)
    # the excepted things do not decide the category ("any medication other than hormonal contraceptives")
    ctext = stext
    for a, b in exc_spans:
        ctext = ctext[:a - s] + " " * (b - a) + ctext[b - s:]
    category = categorize(ctext, subj_found, subject.text if subject is not None and subj_found is None else None,
                          con is not None)
    if subject is not None and subject.kind is None:
        subject.kind = category.value
    if category == Category.SEX and _SEX_ONLY.fullmatch(text, s, e) and (subject is None or subject.name is None):
        subject = Subject(text[s:e], s, e, "sex", None, category.value)  # §11.21: "Men or women", "Women"
    elif category == Category.SEX and subject is not None and subject.name is None and _SEX_ONLY.fullmatch(subject.text):
        subject.name = "sex"  # §11.21: "Male or female", "Women"
    constraint = _constraint(text, con) if con else None
    if constraint is not None and subj_found is not None:
        entry = lexicon()[0].get(subj_found.name)
        implied = entry.implied_unit if entry is not None else None
        if con.percentile and entry is not None:
            # "BMI ≥ 95th percentile for age": a rank on a chart, its own quantity, no unit (11.247)
            subject.name = entry.percentile_name or f"{entry.name}.percentile"
        elif entry is not None and entry.percent_name and constraint.unit_normalized == "%":
            subject.name = entry.percent_name  # "FEV1 ≥ 50%": percent of predicted
        elif subj_found.category == "age" and not constraint.unit:
            constraint.unit_normalized = "a"
        elif implied and constraint.value is not None and not constraint.unit and not constraint.unit_normalized:
            constraint.unit_normalized = implied  # "Systolic BP ≥ 180": mmHg (the unit as written stays empty)
        elif subj_found.category == "score" and constraint.unit_normalized in ("%", "{point}"):
            constraint.unit = constraint.unit_normalized = None  # "Karnofsky ≥ 60%": a score, not a percentage
    temporal = None
    if temp is not None:
        temporal = Temporal(temp.relation, text[temp.start:temp.end], temp.start, temp.end, temp.amount,
                            temp.upper, temp.unit, temp.anchor)
    period = None
    periods, cue, hypothetical = _statement_cues(text, s, e, subj_found.start if subj_found else None,
                                                 [(c.start, c.end) for c in ([con] if con else [])]
                                                 # "unless excluded by MRI": a cue inside an exception is the exception's
                                                 + ([] if atom.excepted else list(exc_spans)))
    for ps, pe, pv in periods:
        if temp is None or temp.amount is None or not (temp.start <= ps < temp.end):
            period = Period(pv, text[ps:pe], ps, pe)
            break
    if cue is not None and sec == Section.EXCLUSION and any(
            m.start() <= cue[0] < m.end() for m in _RESTATES_EXCLUSION.finditer(text, s, e)):
        cue = None  # exclusion "Pregnant or nursing women are excluded": the section said it already
    if cue is not None and cue[0] > s and not _depth_zero(text, s, cue[0]) and _DEFINED_STATE.search(text, s, cue[0]):
        cue = None  # "Women must be postmenopausal (no menses for at least 12 months)": the cue defines the state
    if cue is not None and _qualifier_cue(text, s, cue):
        cue = None  # "AV block without a pacemaker", "infection that has not been treated": a qualifier (§11.37)
    negated = cue is not None
    if (temporal is not None and temporal.relation == "within" and temporal.anchor and "hypothetical:future" in hypothetical
            and _WITHIN_OF.match(text, temporal.start, temporal.end)):
        # "expected need for hospitalisation within 48 hours of randomisation": a plan lies after its anchor (11.31)
        temporal.relation = "after"
    if (temporal is not None and temporal.relation == "more_than" and text[temporal.start:temporal.start + 4].lower() == "for "
            and ((negated and cue[0] < temporal.start) or _ABSENCE_BEFORE.search(text, max(s, temporal.start - 60), temporal.start))):
        # "has not used nicotine for at least 3 months", "free of exacerbations for at least 4 weeks": the look-back
        # in which the thing is absent (set G 11.138, set J)
        temporal.relation = "within"
    # the record of an excepted limit describes the exception; it has none of its own
    exceptions = [] if atom.excepted else [_span(text, a, b) for a, b in exc_spans]
    condition = None
    cm = _CONDITION.match(text, s, e)
    if atom.condition is not None:
        condition = _span(text, *atom.condition)
    elif cm:
        g = "c" if cm.group("c") else "w"
        condition = _span(text, cm.start(g), cm.end(g))
    computable, reason = _computable(category, subj_found, con, temp, stext)
    if computable and "hypothetical:future" in hypothetical and con is None:
        # "planning to become pregnant during the study", "scheduled for a transplant": a plan, not a fact a record
        # holds (11.44)
        computable, reason = False, Reason.ADMINISTRATIVE
    if computable and temp is not None and temp.relation in ("before", "after") and not temp.anchor:
        computable, reason = False, Reason.TEMPORAL_ANCHOR_UNKNOWN
    if computable and half_lives(text, s, e) and temp is None:
        computable, reason = False, Reason.UNSUPPORTED_UNIT
    sec_key = {"inclusion": "inc", "exclusion": "exc", "unknown": "unk"}[sec.value]
    crit = Criterion(
        criterion_id=f"{trial.trial_id}:{sec_key}:{item.path}:{idx}",
        trial_id=trial.trial_id,
        section=sec,
        text=stext,
        start=s,
        end=e,
        item_text=itext,
        item_path=item.path,
        scope=item.scope,
        lead_in=lead,
        category=category,
        subject=subject,
        constraint=constraint,
        temporal=temporal,
        period=period,
        negated=negated,
        negation_cue=_span(text, *cue) if cue else None,
        polarity=_polarity(sec.value, negated),
        logic=Logic(group, atom.op),
        exceptions=exceptions,
        condition=condition,
        computable=computable,
        reason=reason,
        flags=list(seg.flags) + hypothetical + (["example"] if atom.example else [])
        + (["exception"] if atom.excepted else []),
    )
    crit.expression = to_expression(crit)
    return crit


def _statement_cues(text: str, s: int, e: int, subject_start: Optional[int], protected: list[tuple[int, int]]):
    """(period cues, negation cue, hypothetical flags) of the statement text[s:e], as
    `find_periods`, `negation.find_cue` and `hypothetical_flags` return them.

    Their patterns look at text[s-1:e] only (a leading \\b, no lookbehind), so the results are
    computed on that piece and cached by it: registries repeat statements across trials."""
    if subject_start is not None and not s <= subject_start <= e:
        # the cue scan would run up to a subject outside the statement: not from the piece alone
        return (find_periods(text, s, e), negation.find_cue(text, s, e, subject_start, protected),
                hypothetical_flags(text, s, e))
    a = max(0, s - 1)
    periods, cue, flags = _piece_cues(text[a:e], s - a, None if subject_start is None else subject_start - a,
                                      tuple((ps - a, pe - a) for ps, pe in protected))
    return ([(ps + a, pe + a, pv) for ps, pe, pv in periods], None if cue is None else (cue[0] + a, cue[1] + a),
            list(flags))


@lru_cache(maxsize=4096)
def _piece_cues(piece: str, s: int, subject_start: Optional[int], protected: tuple):
    e = len(piece)
    return (tuple(find_periods(piece, s, e)), negation.find_cue(piece, s, e, subject_start, list(protected)),
            tuple(hypothetical_flags(piece, s, e)))


def _constraint(text: str, f: Found) -> Constraint:
    op_span = _span(text, f.op_spans[0][0], f.op_spans[-1][1]) if f.op_spans else None
    val_span = _span(text, f.value_spans[0][0], f.value_spans[-1][1]) if f.value_spans else None
    unit_span = _span(text, *f.unit_span) if f.unit_span else None
    return Constraint(
        operator=Operator(f.operator), text=text[f.start:f.end], start=f.start, end=f.end,
        value=f.value, upper=f.upper, values=f.values, qualitative=f.qualitative,
        lower_inclusive=f.lower_inclusive, upper_inclusive=f.upper_inclusive,
        unit=f.unit, unit_normalized=f.unit_normalized,
        operator_span=op_span, value_span=val_span, unit_span=unit_span,
    )
