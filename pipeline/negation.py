"""Negation cues inside one atomic statement (NegEx-style, termset as data).

The termset (`models/rules/negation_termset.json`) has negspacy's shape (preceding_negations,
following_negations, pseudo_negations, termination), so the same file also configures negspacy's
`negex` component. Scope ends at the statement: a cue negates the statement when it precedes the
subject with no termination term between them, or follows it closely.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Optional

from .errors import RuleFileError
from .fastre import CaseFolded
from .rules import check_keys, read_jsonl
from .paths import model_file

_KEYS = {"preceding_negations", "following_negations", "pseudo_negations", "termination"}


@lru_cache(maxsize=None)
def termset() -> dict[str, list[str]]:
    path = model_file("rules", "negation_termset.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RuleFileError(path, exc.lineno, f"invalid JSON: {exc.msg}") from None
    if set(data) != _KEYS or not all(isinstance(v, list) and all(isinstance(t, str) for t in v) for v in data.values()):
        raise RuleFileError(path, 1, f"keys must be {sorted(_KEYS)}, each a list of strings")
    return data


def _alt(terms: list[str]) -> str:
    """One alternation for a term list: word terms as a shared-prefix trie between word boundaries
    (Python's regex engine tries alternatives one by one, so factoring them keeps scans fast)."""
    from .subjects import _trie_regex

    words = sorted({re.sub(r"\s+", " ", t.lower()) for t in terms if t[0].isalnum() and t[-1].isalnum()})
    others = [t for t in set(terms) if not (t[0].isalnum() and t[-1].isalnum())]
    parts = []
    if words:
        parts.append(r"\b(?:" + _trie_regex(words) + r")\b")
    for t in sorted(others, key=len, reverse=True):
        body = r"\s+".join(re.escape(w) for w in t.split())
        parts.append(body if not t[0].isalnum() else r"\b" + body)
    return "(?:" + "|".join(parts) + ")"


@lru_cache(maxsize=None)
def _regexes():
    return compile_termset(termset())


def compile_termset(ts: dict[str, list[str]]):
    """(preceding, following, pseudo, termination) regular expressions of a negspacy-style termset,
    as `fastre.CaseFolded` patterns (on statements of ASCII and characters without case they search
    the lower-cased text without re.I, about twice as fast; find_cue only uses offsets)."""
    return tuple(CaseFolded(_alt(ts[k]), re.I, guard=True)
                 for k in ("preceding_negations", "following_negations", "pseudo_negations", "termination"))


_RELATIVE_TERMS = {"who", "that"}


def find_cue(text: str, start: int, end: int, subject_start: Optional[int] = None,
             protected: list[tuple[int, int]] = (), regexes=None) -> Optional[tuple[int, int]]:
    """(start, end) of the cue that negates text[start:end], or None.

    `protected` spans (comparators, constraint text) cannot hold a cue: "no more than" is a
    comparator, not a negation.
    """
    pre, post, pseudo, term = regexes or _regexes()
    # the pseudo-negation spans and the scope end are found only when a cue needs them (most
    # statements have none): the same answer, two scans fewer
    blocked: Optional[list[tuple[int, int]]] = None
    target: Optional[int] = subject_start

    def free(a: int, b: int) -> bool:
        nonlocal blocked
        if blocked is None:
            blocked = list(protected) + [(m.start(), m.end()) for m in pseudo.finditer(text, start, end)]
        return all(b <= s or a >= e for s, e in blocked)

    for m in pre.finditer(text, start, end):
        if not free(m.start(), m.end()):
            continue
        if target is None:
            # no known subject: the scope is the statement up to its first termination term; a relative
            # pronoun does not end it ("Women of childbearing potential who are not using contraception")
            target = end
            for t in term.finditer(text, start, end):
                if text[t.start():t.end()].lower() not in _RELATIVE_TERMS:
                    target = t.start()
                    break
        if m.start() > target:
            break
        # a termination term between the cue and the subject ends its scope
        if subject_start is not None and term.search(text, m.end(), max(m.end(), subject_start)):
            continue
        return m.start(), m.end()
    for m in post.finditer(text, start, end):
        if free(m.start(), m.end()) and (subject_start is None or m.start() >= subject_start):
            return m.start(), m.end()
    return None


# LCT cue rules (`models/rules/negation_cues.jsonl`), one record per line, three kinds:
#   {"literal": "not", "prefix"?: bool, "suffix"?: bool, "lead_in"?: false}  a cue word
#   {"pseudo": "with or without"}                                            a phrase that holds no cue
#   {"context": "consent", "cues": "*" | [...], "words": [...]}            words that, right after
#       a cue (same clause, up to _CONTEXT_WORDS words), mean LCT does not annotate it
_CONTEXT_WORDS = 8
_CLAUSE_END = re.compile(r"[.;:,()\[\]\n]")


@lru_cache(maxsize=None)
def _cue_rules():
    path = model_file("rules", "negation_cues.jsonl")
    cues, pseudo, contexts = [], [], []
    for n, rec in read_jsonl(path):
        if "literal" in rec:
            check_keys(rec, path, n, {"literal"}, {"prefix", "suffix", "lead_in", "note"})
            cues.append(rec)
        elif "pseudo" in rec:
            check_keys(rec, path, n, {"pseudo"}, {"note"})
            pseudo.append(rec["pseudo"])
        elif "context" in rec:
            check_keys(rec, path, n, {"context", "cues", "words"}, {"note"})
            if not (rec["cues"] == "*" or isinstance(rec["cues"], list)) or not isinstance(rec["words"], list) or not rec["words"]:
                raise RuleFileError(path, n, "a context needs 'cues' (\"*\" or a list of literals) and a list of 'words'")
            contexts.append(rec)
        else:
            raise RuleFileError(path, n, "a record needs one of 'literal', 'pseudo', 'context'")
    literals = {c["literal"].lower() for c in cues}
    for rec in contexts:
        unknown = [] if rec["cues"] == "*" else [c for c in rec["cues"] if c.lower() not in literals]
        if unknown:
            raise RuleFileError(path, 1, f"context {rec['context']!r} names unknown cues {unknown}")
    return cues, pseudo, contexts


def _words_alt(words: list[str]) -> str:
    """'consent*' is a prefix ('consents', 'consenting'); other words match whole."""
    parts = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in words]
    return r"\b(?:" + "|".join(sorted(parts, key=len, reverse=True)) + r")\b"


@lru_cache(maxsize=None)
def _cue_regex() -> re.Pattern:
    """Surface negation cues: every cue word, as LCT annotates them, whether or not it negates
    the statement's subject. Group names are not used: `_cue_literal` maps a match to its rule."""
    parts = []
    for rec in _cue_rules()[0]:
        body = r"\s+".join(re.escape(w) for w in rec["literal"].split())
        if rec.get("prefix"):  # "non-smoker", "non ESRD"
            parts.append(rf"\b{body}(?=-|\s+[^\W\d_]{{2}})")
        elif rec.get("suffix"):  # "cancer-free"
            parts.append(rf"(?<=\w-){body}\b")
        else:
            parts.append(rf"\b{body}\b")
    return re.compile("|".join(sorted(parts, key=len, reverse=True)), re.I)


@lru_cache(maxsize=None)
def _lct_filters():
    cues, pseudo, contexts = _cue_rules()
    by_literal = {re.sub(r"\s+", " ", c["literal"].lower()): c for c in cues}
    sep = r"(?:\s*/\s*|[\s-]+)"
    pseudo_rx = None
    if pseudo:
        bodies = [sep.join(re.escape(w) for w in re.split(r"[\s/-]+", p.strip())) for p in pseudo]
        pseudo_rx = re.compile(r"\b(?:" + "|".join(sorted(bodies, key=len, reverse=True)) + r")\b", re.I)
    ctx = [(None if rec["cues"] == "*" else {c.lower() for c in rec["cues"]}, re.compile(_words_alt(rec["words"]), re.I))
           for rec in contexts]
    return by_literal, pseudo_rx, ctx


def _clause_after(text: str, e: int, limit: int) -> int:
    """End of the words that follow a cue in its clause: up to _CONTEXT_WORDS words, not past
    punctuation that closes the clause."""
    m = _CLAUSE_END.search(text, e, limit)
    end = m.start() if m else limit
    for k, w in enumerate(re.finditer(r"\S+", text[e:end])):
        if k == _CONTEXT_WORDS - 1:
            return e + w.end()
    return end


def _introduces_list(text: str, e: int) -> bool:
    """The rest of the line after e is a lead-in ending with ':' ("Subjects will be excluded if:")."""
    nl = text.find("\n", e)
    rest = text[e:nl if nl != -1 else len(text)].rstrip()
    return rest.endswith(":") and not re.search(r"[.;]", rest[:-1])


def find_cues(text: str, start: int, end: int, protected: list[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Every surface negation cue in text[start:end] as LCT annotates them (`negation_cues.jsonl`).

    Left out: cues inside pseudo-negations (the termset's and the LCT ones: "no more than", "with or
    without"), inside `protected` spans, and cues whose following words put them in a context LCT
    leaves unannotated (consent, compliance, the criteria themselves, means of contact, limits).
    """
    _, _, pseudo, _ = _regexes()
    by_literal, lct_pseudo, contexts = _lct_filters()
    blocked = list(protected) + [(m.start(), m.end()) for m in pseudo.finditer(text, start, end)]
    if lct_pseudo is not None:
        blocked += [(m.start(), m.end()) for m in lct_pseudo.finditer(text, start, end)]
    out = []
    for m in _cue_regex().finditer(text, start, end):
        if not all(m.end() <= s or m.start() >= e for s, e in blocked):
            continue
        literal = re.sub(r"\s+", " ", m.group(0).lower())
        rule = by_literal.get(literal, {})
        if rule.get("lead_in") is False and _introduces_list(text, m.end()):
            continue
        after = _clause_after(text, m.end(), end)
        if any((cues is None or literal in cues) and rx.search(text, m.end(), after) for cues, rx in contexts):
            continue
        out.append((m.start(), m.end()))
    return out
