"""From criteria text to sections, list items and clauses, with exact character offsets.

Registry criteria are loosely formatted documents: markdown bullets, legacy hard-wrapped XML text,
numbered lists, lead-ins with nested children, run-on paragraphs. The algorithm is line based and
linear in the text size (no backtracking regular expressions over whole documents):

1. lines are classified as blank, header, sub-header (scope) or item lines (bullet / number / plain);
2. item lines open items, wrapped lines continue them, indentation and lead-ins (`...:`) nest them;
3. each item's text is cut into clauses at sentence ends and `;` outside parentheses; a run-on
   clause longer than MAX_CLAUSE characters is cut into pieces (see `_cut_long`).

Every character belongs to at most one clause; headers, markers and separators belong to none.
`segment()` is pure; `pipeline.components` wires it (through `criteria`) to spaCy Docs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from .errors import RuleFileError
from .fastre import Gated, any_of, folded, guarded, needed_words
from .rules import check_keys, read_jsonl
from .paths import model_file

# ------------------------------------------------------------------------------------ data

_MARKER = re.compile(
    r"""(?P<marker>
        \\?[-*•·▪◦●○■□➢►‣⁃∙–—]            # bullet glyphs (with markdown escape)
      | o(?=\s)                              # "o" used as a bullet
      | \(?\d{1,3}[.)](?!\d)                 # 1.  1)  (1)
      | \(\d{1,3}\)
      | \(?[a-zA-Z][.)](?=\s)                # a.  a)  (a)
      | \(?(?:i{1,3}|iv|vi{0,3}|ix|x|xi{0,3}|I{1,3}|IV|VI{0,3}|IX|X)[.)](?=\s)   # roman
      | \\?\#{1,4}(?=\s)
    )\s+""",
    re.X,
)
_SCOPE_START = re.compile(
    r"^(?:for|in|cohort|part|arm|group|stage|phase|step|module|substudy|sub-study|dose[- ]escalation"
    r"|dose[- ]expansion|expansion|patients\s+(?:with|in|enrolled)|participants\s+(?:with|in)|women|men"
    r"|male|female|healthy|disease\s+characteristics|patient\s+characteristics|prior\s+concurrent)\b",
    re.I,
)
_LABEL_LINE = re.compile(r"[A-Z][A-Za-z/-]*(?:\s+[A-Za-z/-]+){0,3}")  # one to four words, no digits or punctuation
_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|vs|etc|approx|incl|excl|no|nos|dr|mr|mrs|ms|st|fig|ref|min|max|wk|wks|hr|hrs|mo|yr|yrs|cf|al|ca|resp|sec|inc|ltd|co|corp|u\.s|jr|sr|ph|pt|pts|dept|univ)\.)$",
    re.I,
)


@dataclass(frozen=True)
class HeaderRule:
    id: str
    section: str
    regex: re.Pattern


@lru_cache(maxsize=None)
def header_rules() -> tuple[HeaderRule, ...]:
    """Section header rules from `models/rules/sections.jsonl` (validated strictly)."""
    path = model_file("rules", "sections.jsonl")
    rules = []
    for n, rec in read_jsonl(path):
        check_keys(rec, path, n, {"id", "section", "pattern"})
        if rec["section"] not in ("inclusion", "exclusion"):
            raise RuleFileError(path, n, f"unknown section {rec['section']!r}")
        try:
            rx = re.compile(
                r"(?:\\?[*#\-•]\s*)*(?:\*\*)?(?:" + rec["pattern"] + r")(?:\*\*)?\s*(?P<colon>[:.\-–]|$)",
                re.I,
            )
        except re.error as exc:
            raise RuleFileError(path, n, f"bad pattern: {exc}") from None
        rules.append(HeaderRule(rec["id"], rec["section"], rx))
    return tuple(rules)


# ------------------------------------------------------------------------------------ records


@dataclass
class Segment:
    """A piece of text with offsets and a label (header, scope, item, clause)."""

    start: int
    end: int
    label: str


@dataclass
class Item:
    start: int  # first character after the marker
    end: int
    section: str
    path: str
    indent: int
    marker: str  # marker kind: bullet, number, letter, roman, none
    scope: Optional[str] = None
    parent: Optional["Item"] = None
    children: list["Item"] = field(default_factory=list)
    clauses: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Segmentation:
    text: str
    headers: list[Segment]
    scopes: list[Segment]
    items: list[Item]  # all items, parents before children, in text order
    flags: list[str]

    def clauses(self):
        """(start, end, item) of every clause of every item that is not a lead-in."""
        for item in self.items:
            for s, e in item.clauses:
                yield s, e, item


# ------------------------------------------------------------------------------------ helpers


def _marker_kind(marker: str) -> str:
    m = marker.strip("() .")
    if not m or not m[0].isalnum():
        return "bullet"
    if m == "o":
        return "bullet"
    if m.isdigit():
        return "number"
    if re.fullmatch(r"(?i)[ivx]+", m) and m.lower() not in ("i",) or m.lower() in ("ii", "iii"):
        return "roman"
    return "letter"


_MIDLINE_HEADER = Gated(  # Gated: scanned only in lines that hold its words (fastre)
    r"(?<=[.;])\s+(?=(?:(?:key|main|major)\s+)?(?:inclusion|exclusion)s?\s+criteria\s*:)", re.I)


def _lines(text: str):
    """(start, end_without_newline) for each line; handles \\n, \\r\\n and lone \\r. A header in the
    middle of a run-on paragraph ("... consent. Exclusion criteria: ...") starts a new line."""
    pos = 0
    n = len(text)
    breaks = [(m.start(), m.end()) for m in re.finditer(r"\r\n|\n|\r", text)] + [(n, n)]
    for b_start, b_end in breaks:
        for m in _MIDLINE_HEADER.finditer(text, pos, b_start):
            yield pos, m.start()
            pos = m.end()
        yield pos, b_start
        pos = b_end


_BLANKS = " \t\r\n\f\v\u00a0\u200b\ufeff"


def _strip(text: str, s: int, e: int, chars: str = _BLANKS) -> tuple[int, int]:
    if chars is _BLANKS and s < e and "!" <= text[s] <= "~" and "!" <= text[e - 1] <= "~":
        return s, e  # printable ASCII at both ends (most calls): nothing to strip
    while s < e and (text[s] in chars or not text[s].isprintable() and not text[s].isalnum()):
        s += 1
    while e > s and (text[e - 1] in chars or not text[e - 1].isprintable() and not text[e - 1].isalnum()):
        e -= 1
    return s, e


_TRAIL = ".;,:"


_TRAILING_CONJ = re.compile(r"\s(?:and|or|and/or)$", re.I)
_LINE_END = re.compile(r"[ \t.;,]*(?:\r?\n|$)")  # (at the end of a line only: a clause cut mid-line keeps its words)


def _trim_clause(text: str, s: int, e: int) -> tuple[int, int]:
    """text[s:e] without surrounding blanks, trailing punctuation, a list's trailing conjunction and
    wrapping emphasis. Kept for the last text by range: segmentation and the criteria builder trim
    the same ranges again (half of the calls)."""
    if _trimmed[0] is not text:
        _trimmed[0], _trimmed[1] = text, {}
    span = _trimmed[1].get((s, e))
    if span is None:
        span = _trimmed[1][s, e] = _trim(text, s, e)
    return span


_trimmed: list = [None, {}]  # the last text `_trim_clause` trimmed in, and its results by range


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    s, e = _strip(text, s, e)
    while e > s and text[e - 1] in _TRAIL + " \t\r\n":
        # keep a '.' that ends an abbreviation such as "etc." or a decimal? trailing '.' is punctuation
        e -= 1
    # "- ≥ 3 tender joints (of 68) and" + "- ≥ 3 swollen joints": the list's conjunction is not the item's
    if e > s and text[e - 1] in "dDrR" and _LINE_END.match(text, e):
        m = _TRAILING_CONJ.search(text, max(s, e - 8), e)
        if m and m.start() > s:
            e = m.start()
            while e > s and text[e - 1] in _TRAIL + " \t\r\n":
                e -= 1
    # unbalanced wrapping quotes/markdown emphasis
    while s < e and text[s] in "*_" and text[e - 1] in "*_":
        s += 1
        e -= 1
    s, e = _strip(text, s, e)
    return s, e


@lru_cache(maxsize=None)
def _header_gate() -> Optional[re.Pattern]:
    """A search for the lower-cased strings that every header rule needs one of (None: a rule
    needs none): a line without them is no header, whatever the rules say."""
    words: set[str] = set()
    for rule in header_rules():
        need = needed_words(rule.regex.pattern, rule.regex.flags, max_words=100, min_strength=1)
        if need is None:
            return None
        words.update(need)
    return any_of(words)


def _qualified_header(text: str, s: int, e: int) -> Optional[tuple[str, int, Optional[str]]]:
    """(section, rest_start, scope) for a header the rules do not know because qualifying words
    surround the section's words ("Maternal Inclusion Criteria:", "Inclusion criteria for all groups:");
    the scope is the header without its generic words, None when nothing specific is left."""
    if e - s > 100 or _DIGIT_OR_LIMIT.search(text, s, e):
        return None
    m = _QUALIFIED_HEADER.fullmatch(text, s, e)
    if m is None or m.group("pre").strip() and (not m.group("colon") or m.group("marker")):
        # without a colon, only a line that starts with the section's words ("Inclusion criteria for X"); after a
        # bullet, words before them are the last item run into the header ("- Signed consent Exclusion criteria:")
        return None
    section = "inclusion" if m.group("kind").lower() == "inclusion" else "exclusion"
    words = (m.group("pre") + " " + m.group("post")).strip(" ,")
    if _GENERIC_QUALIFIER.fullmatch(words):
        return section, e, None
    scope = _SCOPE_TAIL.sub("", text[s:e].rstrip(": ").strip("*#-• "))
    return section, e, scope


_SCOPE_TAIL = re.compile(r"[\s,]+(?:will\s+be|are|is|were|includes?|including|as\s+follows)\s*$", re.I)


_DIGIT_OR_LIMIT = guarded(r"\d|[<>≤≥=]|\b(?:not|no|meet|meets|met|fulfil\w*|satisf\w*|above|previous|listed)\b", re.I)


def _match_header(text: str, s: int, e: int):
    """Return (section, rest_start) when the line s..e is a section header, else None."""
    line = text[s:e]
    gate, low = _header_gate(), folded(text).low
    for rule in (header_rules() if gate is None or low is None or gate.search(low, s, e) else ()):
        m = rule.regex.match(line)
        if not m:
            continue
        rest = m.end()
        rest_s, rest_e = _strip(text, s + rest, e)
        if rest_s < rest_e and not m.group("colon"):
            continue  # "Inclusion in another study" is an item, not a header
        if rest_s < rest_e and m.group("colon") not in (":", "-", "–"):
            continue
        return rule.section, rest_s
    # a lead sentence that announces a list: "Subjects are not eligible if any of the following apply:"
    # (said of the people: "Ineligible for intensive chemotherapy, defined by one of the following:" is a criterion)
    if (len(line) <= 160 and line.rstrip().endswith(":") and _FOLLOWING.search(line)
            and (_WHO_WORD.search(line) or _SECTION_WORD.search(line))):
        section = "exclusion" if _EXCLUDING.search(line) else "inclusion" if _INCLUDING.search(line) else None
        if section:
            return section, e
    return None


# "Patient Inclusion Criteria:", "Inclusion criteria for mothers will be:", "Key exclusion criteria for both phases:":
# the section's words with a few qualifying words around them; the qualifier becomes the scope
_QUALIFIED_HEADER = re.compile(
    r"(?P<marker>(?:\\?[*#\-•]\s*)*)(?P<pre>(?:[\w/'()+-]+\s+){0,5}?)(?:list\s+of\s+)?(?P<kind>inclusion|exclusion)s?\s+"
    r"(?:criteria|criterion|conditions)\*?(?P<post>(?:\s+[\w/'()+,-]+){0,6}?)\s*(?P<colon>:|$)", re.I)
_GENERIC_QUALIFIER = re.compile(
    r"(?:key|main|major|general|principal|primary|list\s+of|the|patient|patients|participant|participants|subject|"
    r"subjects|study|are|is|include|includes|including|will\s+be|were|as\s+follows|for\s+(?:the\s+)?(?:study|trial)|"
    r"\s)*", re.I)
_FOLLOWING = re.compile(r"\b(?:following|below|these)\b", re.I)
_SECTION_WORD = re.compile(r"\b(?:exclusion|inclusion)\b", re.I)
_WHO_WORD = re.compile(r"\b(?:patients?|participants?|subjects?|individuals?|volunteers?|persons?|people|women|men|"
                       r"children|infants|adults|candidates|you|they|those|anyone|mothers?|donors?|recipients?)\b", re.I)
_EXCLUDING = re.compile(r"\b(?:not\s+(?:be\s+)?eligible|ineligible|excluded|exclusion|must\s+not|will\s+not\s+be\s+(?:included|enrolled)|cannot\s+(?:be\s+)?(?:included|enrolled|participate))\b", re.I)
_INCLUDING = re.compile(r"\b(?:eligible|included|inclusion|enrolled|must\s+(?:have|meet|be|fulfil+))\b", re.I)


_CLAUSE_PUNCT = re.compile(r"[()\[\]{};.!?]")


def _split_clauses(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Cut an item into clauses at sentence ends and `;` outside parentheses."""
    out: list[tuple[int, int]] = []
    depth = 0
    start = s
    for m in _CLAUSE_PUNCT.finditer(text, s, e):  # other characters change nothing
        i = m.start()
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and c == ";":
            out.append((start, i))
            start = i + 1
        elif depth == 0 and c in ".!?" and i + 1 < e and text[i + 1] in " \t\r\n":
            # sentence end: next non-space char is upper case or a digit-free opener
            j = i + 1
            while j < e and text[j] in " \t\r\n":
                j += 1
            if j < e and (text[j].isupper() or text[j] in "\"'(") and not _ABBREV.search(text[max(start, i - 8): i + 1]):
                prev = text[i - 1] if i > s else ""
                if not (c == "." and prev.isdigit() and j < e and text[j].isdigit()):
                    if not (len(text[start:i].strip()) <= 3):  # "No. 5", single letters
                        out.append((start, i))
                        start = i + 1
    out.append((start, e))
    clauses = []
    for a, b in out:
        a, b = _trim_clause(text, a, b)
        pieces = [(a, b)]
        if b - a > MAX_CLAUSE:
            pieces = [_trim_clause(text, x, y) for x, y in _cut_long(text, a, b)]
        for a, b in pieces:
            if b > a and any(ch.isalnum() for ch in text[a:b]):
                clauses.append((a, b))
    return clauses


MAX_CLAUSE = 4000  # characters; the longest clause of 7,460 registry trials has 1,774


def _cut_long(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """A run-on clause longer than MAX_CLAUSE (no sentence end or `;` in thousands of characters:
    a flattened table, hostile input) in pieces of at most MAX_CLAUSE characters, cut at the last
    `,` of the second half of the limit, else at its last whitespace, else hard. Statements,
    pairing and coordination work within a clause, several of them in time quadratic in its
    length; bounding the clause keeps extraction linear in the text size."""
    out = []
    while e - s > MAX_CLAUSE:
        limit = s + MAX_CLAUSE
        half = s + MAX_CLAUSE // 2
        cut = text.rfind(",", half, limit)
        if cut < 0:
            cut = next((i for i in range(limit - 1, half - 1, -1) if text[i].isspace()), -1)
        if cut < 0:
            out.append((s, limit))
            s = limit
        else:
            out.append((s, cut))
            s = cut + 1
    out.append((s, e))
    return out


def _ends_open(text: str, s: int, e: int) -> bool:
    """The line does not end a sentence: the next line likely continues it (hard wrap)."""
    s, e = _strip(text, s, e)
    if e <= s:
        return False
    return text[e - 1] not in ".;:!?"


# ------------------------------------------------------------------------------------ PDQ records

_PDQ_HEADER = re.compile(r"[\s*#-]*(?:disease\s+characteristics|patient\s+characteristics|prior\s+(?:or\s+)?concurrent\s+"
                         r"therap(?:y|ies))\b", re.I)
# a word that starts a requirement whatever precedes it
_PDQ_STARTER = frozenset({"no", "not", "at", "prior", "negative", "positive", "more", "less", "greater", "fertile",
                          "must", "concurrent", "recovered", "absolute", "platelet", "platelets", "hemoglobin",
                          "haemoglobin", "bilirubin", "creatinine", "histologically", "cytologically", "measurable",
                          "documented", "willing", "able", "adequate", "hiv", "wbc", "anc", "granulocyte"})
# words after which a capitalised word continues the phrase ("treated with Herceptin", "prior Gliadel wafers")
_PDQ_GLUE = frozenset({"of", "with", "to", "by", "for", "and", "or", "the", "a", "an", "than", "including", "prior",
                       "from", "in", "on", "at", "as", "per", "plus", "vs", "versus", "such", "like", "other", "any",
                       "no", "not", "e.g.,", "i.e.,", "see", "the"})
_PDQ_WORD = re.compile(r"(?<=[A-Za-z0-9)%\]])[ \t]*(?:\r?\n[ \t]*)?[ \t]+(?=(?P<w>[A-Z][a-z]+|[A-Z]{2,}[A-Za-z0-9/-]*)\b(?!'s))")


@lru_cache(maxsize=None)
def _pdq_label_rx() -> re.Pattern:
    path = model_file("rules", "pdq_labels.jsonl")
    labels = []
    for n, rec in read_jsonl(path):
        check_keys(rec, path, n, {"label"}, {"note"})
        labels.append(r"\s+".join(map(re.escape, rec["label"].split())))
    return re.compile(r"\b(?:" + "|".join(sorted(labels, key=len, reverse=True)) + r")\s*:", re.I)


def _pdq_pieces(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Cut a PDQ paragraph at its group labels ("Hepatic:") and where a new requirement starts after the
    last word of the previous one ("... no curative therapy exists At least 1 measurable lesion No ...")."""
    cuts = [m.start() for m in _pdq_label_rx().finditer(text, s, e) if m.start() > s]
    depth = 0
    last = s
    for m in _PDQ_WORD.finditer(text, s, e):
        depth += text.count("(", last, m.start()) - text.count(")", last, m.start())
        last = m.start()
        if depth > 0:
            continue
        w = m.group("w")
        prev = text[max(s, m.start() - 30):m.start()].split()
        pw = prev[-1].lower() if prev else ""
        if w.upper() in ("OR", "AND") or not pw:
            continue
        if w.isupper() and not (pw.endswith(")") or pw[-1:].isdigit() or "/" in pw or pw in ("uln", "lln")):
            continue  # an abbreviation inside a phrase ("5 times ULN"); after ")", a number or a unit it may start one
        if w.lower() in _PDQ_STARTER or (pw not in _PDQ_GLUE and not re.search(r"(?:al|ic|ive|ous|ent|ant)$", pw)):
            cuts.append(m.end())
    cuts = sorted(set(c for c in cuts if s < c < e))
    out, prev_cut = [], s
    for c in cuts:
        out.append((prev_cut, c))
        prev_cut = c
    out.append((prev_cut, e))
    return [p for p in out if text[p[0]:p[1]].strip()]


# ------------------------------------------------------------------------------------ main


def segment(text: str) -> Segmentation:
    """Split criteria text into headers, scopes, items (nested) and clauses."""
    headers: list[Segment] = []
    scopes: list[Segment] = []
    items: list[Item] = []
    flags: list[str] = []
    section = "unknown"
    scope: Optional[str] = None
    counters: dict[str, int] = {}
    stack: list[Item] = []  # open items, outermost first
    current: Optional[Item] = None  # item that wrapped lines continue
    prev_blank = True
    prev_open = False  # previous line ended without terminal punctuation
    saw_header = False
    pdq = False  # under a PDQ header ("PATIENT CHARACTERISTICS:"): run-on paragraphs of several requirements
    pdq_items: set[int] = set()
    lines = list(_lines(text))

    def next_nonblank(idx: int):
        for j in range(idx + 1, len(lines)):
            a, b = _strip(text, *lines[j])
            if a < b:
                return a, b
        return None

    def start_scope(label: str, cs: int, ce: int) -> None:
        """A sub-header line: its text scopes the items that follow; it is no item itself."""
        nonlocal scope, current, prev_blank, prev_open
        scope = label
        scopes.append(Segment(cs, ce, "scope"))
        stack.clear()
        current = None
        prev_blank = False
        prev_open = False

    def open_item(cs: int, ce: int, indent: int, kind: str) -> Item:
        nonlocal current
        # find parent: the nearest open item that is less indented, or a lead-in (ends with ':')
        while stack:
            top = stack[-1]
            top_text_end = _strip(text, top.start, top.end)[1]
            lead = top_text_end > top.start and text[top_text_end - 1] == ":"
            if indent > top.indent and (top.marker != "none" or lead):
                break
            if lead and kind != top.marker and indent >= top.indent and top.parent is None:
                break
            if lead and kind == "none" and top.parent is None and top.marker != "none":
                break
            stack.pop()
        parent = stack[-1] if stack else None
        if parent is None:
            counters[section] = counters.get(section, 0) + 1
            path = str(counters[section])
        else:
            path = f"{parent.path}.{len(parent.children) + 1}"
        item = Item(cs, ce, section, path, indent, kind, scope, parent)
        if pdq:
            pdq_items.add(id(item))
        if parent is not None:
            parent.children.append(item)
        items.append(item)
        stack.append(item)
        current = item
        return item

    for idx, (ls, le) in enumerate(lines):
        cs, ce = _strip(text, ls, le)
        if cs >= ce:
            prev_blank = True
            prev_open = False
            continue
        indent = cs - ls
        hdr = _match_header(text, cs, ce)
        qualified = None if hdr is not None else _qualified_header(text, cs, ce)
        if qualified is not None:
            hdr = qualified[:2]
        if hdr is not None:
            section, rest = hdr
            saw_header = True
            pdq = _PDQ_HEADER.match(text, cs, ce) is not None
            scope = qualified[2] if qualified is not None else None
            stack.clear()
            current = None
            headers.append(Segment(cs, rest if rest < ce else ce, section))
            if rest < ce:
                open_item(rest, ce, indent + 1, "none")
                prev_open = _ends_open(text, rest, ce)
            else:
                prev_open = False
            prev_blank = False
            continue
        m = _MARKER.match(text, cs, ce)
        if m and m.end() >= ce:
            m = None  # a lone marker is not an item
        if m:
            hdr = _match_header(text, m.end(), ce)  # "▪ Inclusion Criteria:" inside a bullet
            if hdr is not None:
                section, rest = hdr
                saw_header = True
                scope = None
                stack.clear()
                current = None
                headers.append(Segment(m.end(), rest if rest < ce else ce, section))
                if rest < ce:
                    open_item(rest, ce, indent + 1, "none")
                prev_open = False
                prev_blank = False
                continue
            kind = _marker_kind(m.group("marker"))
            open_item(m.end(), ce, indent, kind)
            prev_open = _ends_open(text, m.end(), ce)
            prev_blank = False
            continue
        # an unmarked line: wrap continuation, scope sub-header, lead-in child or new paragraph item
        line_text = text[cs:ce]
        nxt = next_nonblank(idx)
        if (
            line_text.endswith(":")
            and len(line_text) <= 100
            and (_SCOPE_START.match(line_text) or line_text.isupper())
            and nxt is not None
        ):
            start_scope(line_text.rstrip(":").strip(), cs, ce)
            continue
        # "Hepatic" / "Performance status" on a line of its own, between blank lines, before a bulleted list (the
        # PDQ layout: category labels over bullets): a sub-header, not a criterion
        if (prev_blank and nxt is not None and _LABEL_LINE.fullmatch(line_text) and (current is None or current.marker != "none")
                and _MARKER.match(text, *nxt) and _MARKER.match(text, *nxt).end() < nxt[1]):
            start_scope(line_text.strip(), cs, ce)
            continue
        if current is not None and not prev_blank and (
            indent > current.indent
            or (prev_open and (current.marker == "none" or text[cs].islower() or not text[cs].isalpha()))
            or (pdq and current.marker == "none" and id(current) in pdq_items)  # PDQ lines wrap anywhere
        ):
            current.end = ce  # hard-wrapped continuation
            prev_open = _ends_open(text, cs, ce)
            continue
        open_item(cs, ce, indent, "none")
        prev_open = _ends_open(text, cs, ce)
        prev_blank = False

    if not saw_header:
        flags.append("no_section_header")
    for item in items:
        last = text[item.start:_strip(text, item.start, item.end)[1]][-1:]
        if item.children and last in ":-–,":
            item.clauses = []  # a lead-in ("Patients with:"); a sentence with sub-items is a criterion
            continue
        s, e = item.start, item.end
        if id(item) in pdq_items and item.marker == "none" and not item.children:
            # a PDQ paragraph whose line breaks were lost: "Age: 18 and over Performance status: ECOG 0-2 ..."
            item.clauses = [c for a, b in _pdq_pieces(text, s, e) for c in _split_clauses(text, a, b)]
            continue
        # an item "Lead-in: a; b; c" with an inline list is split like children
        item.clauses = _split_clauses(text, s, e)
    return Segmentation(text, headers, scopes, items, flags)


def item_text(seg: Segmentation, item: Item) -> str:
    s, e = _trim_clause(seg.text, item.start, item.end)
    return seg.text[s:e]
