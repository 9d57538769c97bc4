"""A small expression language for computable criteria: Criterion -> text -> AST -> text.

`to_expression(criterion)` writes one line per computable statement, `parse_expression(text)`
reads it back into a tree of frozen dataclasses and `format_expression(tree)` writes the tree in
canonical form, so that `format_expression(parse_expression(s)) == s` for every `s` that
`to_expression` produces. The grammar is documented in `docs/expression.md`; in short:

    lab("bilirubin.total") <= 1.5 * ULN
    age_years between [3, 18]
    score("ecog") in {0, 1}
    lab("hbv.surface_antigen") is positive
    not has(therapy: "systemic therapy for breast cancer")
    has(condition: "infections or uncontrollable infections") within 7 d before screening

The expression states the statement *as written*: a negated statement ("No prior systemic
therapy") gets a leading `not`. Whether the patient must match it or must not match it is the
criterion's `polarity` (require / exclude), which already combines the section with the negation;
a checker uses the un-negated statement with the polarity (see `pipeline/check.py`).

Pure functions; the only data read is the subject lexicon (to tell labs from vitals and scores).
"""
from __future__ import annotations

import json
import json.encoder
import re
from dataclasses import dataclass
from typing import Optional, Union

from .errors import EligibilityError
from .schema import Category, Constraint, Criterion, Operator, Temporal

# ------------------------------------------------------------------------------------ vocabulary

COMPARATORS = ("<=", ">=", "!=", "<", ">", "=", "~")  # longest first for the lexer
AGE_REFS = {"a": "age_years", "mo": "age_months", "wk": "age_weeks", "d": "age_days", "h": "age_hours"}
AGE_UNITS = {v: k for k, v in AGE_REFS.items()}
BARE_REFS = tuple(AGE_REFS.values()) + ("life_expectancy", "sex")
NAMED_REFS = ("lab", "vital", "score", "measure")  # fn("subject.name")
FINDING_REFS = ("has", "count", "amount", "duration", "result")  # fn(kind: "text")
SCALES = ("ULN", "LLN")
RELATIONS = ("within", "more_than", "before", "after", "during")
TIME_CODES = {"minute": "min", "hour": "h", "day": "d", "week": "wk", "month": "mo", "year": "a"}
TIME_UNIT_CODES = tuple(TIME_CODES.values())
WINDOW_WORDS = RELATIONS  # a token that starts a window, never a unit
_MEASURABLE = ("lab", "vital", "score")


class ExpressionError(EligibilityError, ValueError):
    """An expression that does not parse: says what was expected, where (0-based column)."""

    def __init__(self, text: str, position: int, message: str):
        super().__init__(message)
        self.text = text
        self.position = position
        self.message = message

    def __str__(self) -> str:
        return f"column {self.position}: {self.message} in {self.text!r}"

    def __reduce__(self):
        return (type(self), (self.text, self.position, self.message))


# ------------------------------------------------------------------------------------------ AST


@dataclass(frozen=True)
class Ref:
    """What is tested: `age_years`, `lab("alt")`, `has(condition: "GVHD")`, `count(therapy: ...)`.

    `fn` is one of BARE_REFS (no argument), NAMED_REFS (`name`) or FINDING_REFS (`kind`, `name`)."""

    fn: str
    name: Optional[str] = None
    kind: Optional[str] = None


@dataclass(frozen=True)
class Compare:
    """`op value`, `op value unit` or `op value * ULN` (scale ULN/LLN: a multiple of the limit)."""

    op: str
    value: float
    unit: Optional[str] = None
    scale: Optional[str] = None


@dataclass(frozen=True)
class Between:
    """`between [low, high]`; a round bracket excludes that bound."""

    low: float
    high: float
    low_inclusive: bool = True
    high_inclusive: bool = True
    unit: Optional[str] = None
    scale: Optional[str] = None


@dataclass(frozen=True)
class InSet:
    """`in {0, 1, 2}` (numbers, with an optional unit) or `in {female, male}` (words)."""

    values: tuple[Union[float, str], ...]
    unit: Optional[str] = None


@dataclass(frozen=True)
class Is:
    """`is positive`, `is not detectable`, `is normal` (within the reference range), `is female`."""

    word: str
    negated: bool = False


Comparison = Union[Compare, Between, InSet, Is]


@dataclass(frozen=True)
class Window:
    """`within 7 d before screening`, `more_than 6 mo before screening`, `before screening`,
    `after 3 mo from last dose`, `during screening`, `during`."""

    relation: str
    amount: Optional[float] = None
    upper: Optional[float] = None
    unit: Optional[str] = None  # a UCUM time code: min h d wk mo a
    anchor: Optional[str] = None


@dataclass(frozen=True)
class Expr:
    """`[not] ref [comparison] [window]`: `has(...)` takes no comparison, every other ref needs one."""

    ref: Ref
    comparison: Optional[Comparison] = None
    window: Optional[Window] = None
    negated: bool = False


# ------------------------------------------------------------------------------------ formatting


def format_number(x: float) -> str:
    """Canonical number: integers without a decimal point, otherwise Python's shortest repr."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return repr(x)


def _string(s: str) -> str:
    return _encode_string(s)


# what json.dumps(s, ensure_ascii=False) returns for a str, without building an encoder per call
_encode_string = json.encoder.encode_basestring


def _format_ref(ref: Ref) -> str:
    if ref.fn in BARE_REFS:
        return ref.fn
    if ref.fn in NAMED_REFS:
        return f"{ref.fn}({_string(ref.name or '')})"
    if ref.fn in FINDING_REFS:
        return f"{ref.fn}({ref.kind}: {_string(ref.name or '')})"
    raise ValueError(f"unknown reference function {ref.fn!r}")


def _format_magnitude_suffix(unit: Optional[str], scale: Optional[str]) -> str:
    if scale:
        return f" * {scale}"
    if unit:
        return f" {unit}"
    return ""


def _format_comparison(c: Comparison) -> str:
    if isinstance(c, Compare):
        return f"{c.op} {format_number(c.value)}{_format_magnitude_suffix(c.unit, c.scale)}"
    if isinstance(c, Between):
        lo = "[" if c.low_inclusive else "("
        hi = "]" if c.high_inclusive else ")"
        return (f"between {lo}{format_number(c.low)}, {format_number(c.high)}{hi}"
                f"{_format_magnitude_suffix(c.unit, c.scale)}")
    if isinstance(c, InSet):
        items = ", ".join(v if isinstance(v, str) else format_number(v) for v in c.values)
        return f"in {{{items}}}{_format_magnitude_suffix(c.unit, None)}"
    if isinstance(c, Is):
        return f"is {'not ' if c.negated else ''}{c.word}"
    raise ValueError(f"unknown comparison {c!r}")


def _format_span(w: Window) -> str:
    if w.unit is None:
        return ""
    amount = "" if w.amount is None else format_number(w.amount)
    if w.upper is not None:
        amount += ".." + format_number(w.upper)
    return f"{amount} {w.unit}" if amount else w.unit


def format_window(w: Window) -> str:
    """The canonical text of a window (`within 7 d before screening`)."""
    parts = [w.relation]
    span = _format_span(w)
    if span:
        parts.append(span)
    if w.anchor:
        if w.relation in ("within", "more_than"):
            parts += ["before", w.anchor]
        elif span:
            parts += ["from", w.anchor]
        else:
            parts.append(w.anchor)
    return " ".join(parts)


def format_expression(expr: Expr) -> str:
    """The canonical text of an expression tree (the inverse of `parse_expression`)."""
    out = ("not " if expr.negated else "") + _format_ref(expr.ref)
    if expr.comparison is not None:
        out += " " + _format_comparison(expr.comparison)
    if expr.window is not None:
        out += " " + format_window(expr.window)
    return out


# --------------------------------------------------------------------------------------- parsing

_NUMBER = re.compile(r"-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KIND = re.compile(r"[a-z_]+")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_UNIT = re.compile(r"\S+")  # UCUM-style codes have no spaces: 10*9/L mm[Hg] {ULN} mg/(24.h)
_ANCHOR = re.compile(r'[^\s"][^"]*')


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    # -- primitives
    def error(self, message: str, pos: Optional[int] = None):
        raise ExpressionError(self.text, self.pos if pos is None else pos, message)

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek_word(self) -> Optional[str]:
        m = _WORD.match(self.text, self.pos)
        return m.group(0) if m else None

    def expect(self, literal: str, what: Optional[str] = None):
        if not self.text.startswith(literal, self.pos):
            found = self.text[self.pos:self.pos + 12] or "end of text"
            self.error(f"expected {what or repr(literal)}, found {found!r}")
        self.pos += len(literal)

    def space(self):
        self.expect(" ", "a single space")
        if self.text.startswith(" ", self.pos):
            self.error("expected a single space, found several")

    def accept(self, literal: str) -> bool:
        if self.text.startswith(literal, self.pos):
            self.pos += len(literal)
            return True
        return False

    def accept_word(self, word: str) -> bool:
        """The word followed by a space or the end (so `not` does not match `nothing`)."""
        end = self.pos + len(word)
        if self.text.startswith(word, self.pos) and (end == len(self.text) or self.text[end] == " "):
            self.pos = end
            return True
        return False

    def regex(self, rx: re.Pattern, what: str) -> str:
        m = rx.match(self.text, self.pos)
        if not m:
            found = self.text[self.pos:self.pos + 12] or "end of text"
            self.error(f"expected {what}, found {found!r}")
        self.pos = m.end()
        return m.group(0)

    def number(self) -> float:
        return float(self.regex(_NUMBER, "a number"))

    def string(self) -> str:
        start = self.pos
        raw = self.regex(_STRING, 'a double-quoted string ("...")')
        try:
            return json.loads(raw)
        except json.JSONDecodeError as err:
            self.error(f"bad string escape: {err.msg}", start)
            raise  # unreachable

    # -- grammar
    def expression(self) -> Expr:
        if not self.text:
            self.error("empty expression")
        if self.text != self.text.strip():
            at = 0 if self.text[0] == " " else len(self.text.rstrip())
            self.error("leading or trailing space", at)
        negated = self.accept_word("not")
        if negated:
            self.space()
        ref = self.ref()
        comparison = None
        if ref.fn != "has":
            self.space()
            comparison = self.comparison(ref)
        window = None
        if not self.at_end():
            self.space()
            window = self.window()
        if not self.at_end():
            self.error(f"unexpected text {self.text[self.pos:self.pos + 12]!r}")
        return Expr(ref, comparison, window, negated)

    def ref(self) -> Ref:
        start = self.pos
        word = self.peek_word()
        if word is None:
            self.error('expected a reference such as lab("alt"), age_years or '
                       'has(condition: "...")')
        self.pos += len(word)
        if word in BARE_REFS:
            return Ref(word)
        if word in NAMED_REFS:
            self.expect("(")
            name = self.string()
            self.expect(")")
            return Ref(word, name=name)
        if word in FINDING_REFS:
            self.expect("(")
            kind = self.regex(_KIND, "a kind such as condition, therapy or procedure")
            self.expect(": ", "': ' after the kind")
            name = self.string()
            self.expect(")")
            return Ref(word, name=name, kind=kind)
        self.error(f"unknown reference {word!r}; expected one of "
                   f"{', '.join(BARE_REFS + NAMED_REFS + FINDING_REFS)}", start)
        raise AssertionError  # unreachable

    def comparison(self, ref: Ref) -> Comparison:
        start = self.pos
        if self.accept_word("between"):
            self.space()
            return self.between()
        if self.accept_word("in"):
            self.space()
            return self.in_set()
        if self.accept_word("is"):
            self.space()
            negated = self.accept_word("not")
            if negated:
                self.space()
            word = self.regex(_KIND, "a result word such as positive, normal or female")
            return Is(word, negated)
        for op in COMPARATORS:
            if self.text.startswith(op + " ", self.pos):
                self.pos += len(op) + 1
                value = self.number()
                unit, scale = self.magnitude_suffix()
                return Compare(op, value, unit, scale)
        if ref.fn == "result":
            self.error("result(...) takes 'is <word>'", start)
        self.error("expected a comparison: one of < <= > >= = != ~ followed by a space, "
                   "'between', 'in' or 'is'", start)
        raise AssertionError  # unreachable

    def magnitude_suffix(self) -> tuple[Optional[str], Optional[str]]:
        """After a number: ` * ULN`, ` unit`, or nothing (when a window or the end follows)."""
        if self.at_end():
            return None, None
        save = self.pos
        if self.accept(" * "):
            word = self.peek_word()
            if word not in SCALES:
                self.error("expected ULN or LLN after '*'")
            self.pos += len(word)
            return None, word
        if self.accept(" "):
            word = self.peek_word()
            after = self.pos + len(word) if word else self.pos
            if word in WINDOW_WORDS and (after == len(self.text) or self.text[after] == " "):
                self.pos = save
                return None, None
            return self.regex(_UNIT, "a unit code"), None
        return None, None

    def between(self) -> Between:
        if self.accept("["):
            low_inc = True
        elif self.accept("("):
            low_inc = False
        else:
            self.error("expected '[' or '(' to open the interval")
        low = self.number()
        self.expect(", ", "', ' between the bounds")
        high = self.number()
        if self.accept("]"):
            high_inc = True
        elif self.accept(")"):
            high_inc = False
        else:
            self.error("expected ']' or ')' to close the interval")
        unit, scale = self.magnitude_suffix()
        return Between(low, high, low_inc, high_inc, unit, scale)

    def in_set(self) -> InSet:
        self.expect("{", "'{' to open the set")
        values: list[Union[float, str]] = []
        starts: list[int] = []
        while True:
            starts.append(self.pos)
            if _NUMBER.match(self.text, self.pos):
                values.append(self.number())
            else:
                values.append(self.regex(_KIND, "a number or a word in the set"))
            if self.accept("}"):
                break
            self.expect(", ", "', ' or '}' in the set")
        for v, at in zip(values, starts):
            if isinstance(v, str) != isinstance(values[0], str):
                self.error("a set holds numbers or words, not both", at)
        unit, scale = self.magnitude_suffix()
        if scale:
            self.error("a set cannot be a multiple of ULN/LLN")
        return InSet(tuple(values), unit)

    def window(self) -> Window:
        start = self.pos
        word = self.peek_word()
        if word not in RELATIONS:
            self.error(f"expected a window ({', '.join(RELATIONS)}) or the end", start)
        self.pos += len(word)
        amount = upper = unit = anchor = None
        if self.at_end():
            return Window(word)
        self.space()
        m = _NUMBER.match(self.text, self.pos)
        if m or self.peek_word() in TIME_UNIT_CODES and self._unit_ends_span():
            if m:
                amount = self.number()
                if self.accept(".."):
                    upper = self.number()
                self.space()
            unit = self.regex(_WORD, "a time unit")
            if unit not in TIME_UNIT_CODES:
                self.error(f"expected a time unit ({' '.join(TIME_UNIT_CODES)}), found {unit!r}",
                           self.pos - len(unit))
            if self.at_end():
                return Window(word, amount, upper, unit)
            self.space()
            link = "before" if word in ("within", "more_than") else "from"
            if not self.accept_word(link):
                self.error(f"expected '{link}' and an anchor after the time span")
            self.space()
            anchor = self.regex(_ANCHOR, "an anchor such as screening")
        else:
            if word in ("within", "more_than"):
                if not self.accept_word("before"):
                    self.error("expected a time span (e.g. '7 d') or 'before' after " + repr(word))
                self.space()
            anchor = self.regex(_ANCHOR, "an anchor such as screening")
        if anchor != anchor.rstrip() or "  " in anchor:
            self.error("anchor with extra spaces")
        return Window(word, amount, upper, unit, anchor)

    def _unit_ends_span(self) -> bool:
        """A bare time unit ("within wk ...") only when followed by the end or the link word."""
        word = self.peek_word() or ""
        rest = self.text[self.pos + len(word):]
        return rest == "" or rest.startswith(" before ") or rest.startswith(" from ")


def parse_expression(text: str) -> Expr:
    """Parse one expression (see docs/expression.md); ExpressionError names column and cause."""
    if not isinstance(text, str):
        raise ExpressionError(repr(text), 0, "an expression must be a string")
    return _Parser(text).expression()


# ------------------------------------------------------------------------- Criterion -> expression

_PREGNANCY_TEST = re.compile(r"pregnancy\s+test|\bhcg\b|β-?hcg|beta-?hcg|gonadotrop", re.I)
_FEMALE = re.compile(r"\b(?:females?|wom[ae]n|girls?|mothers?)\b", re.I)
_MALE = re.compile(r"\b(?:males?|m[ae]n|boys?|fathers?)\b", re.I)
_SPACES = re.compile(r"\s+")
_POSITIVE_LIKE = ("positive", "detectable", "abnormal")


def _clean(s: str) -> str:
    return _SPACES.sub(" ", s).strip()


def _lexicon_category(name: Optional[str]) -> Optional[str]:
    if not name:
        return None
    from .subjects import lexicon

    entry = lexicon()[0].get(name)
    return entry.category if entry else None


def _number_ok(*xs) -> bool:
    return all(x is not None for x in xs)


def _comparison(con: Constraint, unit: Optional[str]) -> Optional[Comparison]:
    """Constraint -> comparison; `unit` is the unit code to write (None: none)."""
    scale = None
    if unit in ("{ULN}", "{LLN}"):
        scale, unit = unit[1:-1], None
    op = con.operator
    if con.qualitative:
        if op not in (Operator.EQ, Operator.NE):
            return None
        return Is(con.qualitative, op == Operator.NE)
    if op == Operator.NORMAL:
        return Is("normal")
    if op == Operator.BETWEEN:
        if not _number_ok(con.value, con.upper):
            return None
        return Between(float(con.value), float(con.upper),
                       con.lower_inclusive is not False, con.upper_inclusive is not False, unit, scale)
    if op == Operator.IN:
        if not con.values:
            return None
        if scale:
            return None
        return InSet(tuple(float(v) for v in con.values), unit)
    if con.value is None:
        return None
    return Compare(op.value, float(con.value), unit, scale)


def _window(t: Optional[Temporal]) -> tuple[bool, Optional[Window]]:
    """(expressible, window). A relation or unit the grammar has no word for is not expressible."""
    if t is None:
        return True, None
    if t.relation not in RELATIONS:
        return False, None
    unit = None
    if t.unit is not None:
        unit = TIME_CODES.get(t.unit)
        if unit is None:
            return False, None
    amount, upper = t.amount, t.upper
    if unit is None and (amount is not None or upper is not None):
        return False, None
    if unit is not None and amount is None:
        amount = 1.0  # "in the past year": one year
    if upper is not None and amount is None:
        return False, None
    anchor = _clean(t.anchor) if t.anchor else None
    if anchor is not None and (not _ANCHOR.fullmatch(anchor) or anchor[0].isdigit()
                               or anchor.split(" ")[0] in RELATIONS + ("before", "from")):
        return False, None
    return True, Window(t.relation, amount, upper, unit, anchor or None)


def _sex_test(c: Criterion) -> Optional[tuple[Ref, Comparison]]:
    con = c.constraint
    if con is not None and con.qualitative in ("female", "male"):
        return Ref("sex"), Is(con.qualitative, con.operator == Operator.NE)
    text = " ".join(x for x in (c.text, c.subject.text if c.subject else "") if x)
    female, male = bool(_FEMALE.search(text)), bool(_MALE.search(text))
    if female and male:
        return Ref("sex"), InSet(("female", "male"))
    if female or male:
        return Ref("sex"), Is("female" if female else "male")
    return None


def _finding_fn(con: Constraint) -> tuple[str, Optional[str]]:
    """count / amount / duration by the constraint's unit: none, a time unit, another unit."""
    unit = con.unit_normalized
    if unit is None:
        return "count", None
    if unit in TIME_UNIT_CODES:
        return "duration", unit
    return "amount", unit


def _test(c: Criterion) -> Optional[tuple[Ref, Optional[Comparison]]]:
    subj, con = c.subject, c.constraint
    name = subj.name if subj else None
    if c.category == Category.SEX or name == "sex":
        return _sex_test(c)
    lex = _lexicon_category(name)
    kind = subj.kind if subj else None
    measurable = lex is not None or (name and (kind in _MEASURABLE + ("age", "life_expectancy")
                                               or c.category.value in _MEASURABLE))
    if (lex != "lab" and c.category == Category.PREGNANCY and con is not None and con.qualitative
            and _PREGNANCY_TEST.search(c.text)):
        return Ref("lab", name="pregnancy_test"), _comparison(con, None)
    if measurable and name:
        if con is None:
            return None
        unit = con.unit_normalized
        if name == "age":
            if con.qualitative:
                return None
            fn = AGE_REFS.get(unit or "a")
            if fn is None:
                return None
            comparison = _comparison(con, None)
            return (Ref(fn), comparison) if comparison else None
        if name == "life_expectancy":
            comparison = _comparison(con, unit)
            return (Ref("life_expectancy"), comparison) if comparison else None
        fn = lex if lex in _MEASURABLE else kind if kind in _MEASURABLE else (
            c.category.value if c.category.value in _MEASURABLE else "measure")
        comparison = _comparison(con, unit)
        return (Ref(fn, name=name), comparison) if comparison else None
    # a finding: condition, therapy, procedure, pregnancy status, lifestyle ...
    text = _clean((subj.name or subj.text) if subj else c.text)
    if not text:
        return None
    kind_word = c.category.value
    if con is None:
        return Ref("has", name=text, kind=kind_word), None
    if con.qualitative:
        if con.operator == Operator.EQ and con.qualitative in _POSITIVE_LIKE:
            return Ref("has", name=text, kind=kind_word), None
        comparison = _comparison(con, None)
        return (Ref("result", name=text, kind=kind_word), comparison) if comparison else None
    if con.operator == Operator.NORMAL:
        return Ref("result", name=text, kind=kind_word), Is("normal")
    fn, unit = _finding_fn(con)
    comparison = _comparison(con, unit)
    return (Ref(fn, name=text, kind=kind_word), comparison) if comparison else None


def criterion_expr(criterion: Criterion) -> Optional[Expr]:
    """The expression tree of a computable criterion, or None (not computable / nothing to say)."""
    if not criterion.computable:
        return None
    test = _test(criterion)
    if test is None:
        return None
    ok, window = _window(criterion.temporal)
    if not ok:
        return None
    ref, comparison = test
    return Expr(ref, comparison, window, bool(criterion.negated))


def to_expression(criterion: Criterion) -> Optional[str]:
    """The expression text of a computable criterion (canonical form), or None.

    >>> from pipeline.schema import Criterion, Constraint, Operator, Section, Subject
    >>> c = Criterion("t:inc:1:1", "t", Section.INCLUSION, "Age 3-18", 0, 8, computable=True,
    ...               subject=Subject("Age", 0, 3, "age", kind="age"),
    ...               constraint=Constraint(Operator.BETWEEN, "3-18", 4, 8, value=3, upper=18,
    ...                                     lower_inclusive=True, upper_inclusive=True,
    ...                                     unit_normalized="a"))
    >>> to_expression(c)
    'age_years between [3, 18]'
    """
    expr = criterion_expr(criterion)
    return None if expr is None else format_expression(expr)


__all__ = [
    "Between",
    "Compare",
    "Comparison",
    "Expr",
    "ExpressionError",
    "InSet",
    "Is",
    "Ref",
    "Window",
    "criterion_expr",
    "format_expression",
    "format_number",
    "format_window",
    "parse_expression",
    "to_expression",
]
