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
    """(preceding, following, pseudo, termination) regular expressions of a negspacy-style termset."""
    return (
        re.compile(_alt(ts["preceding_negations"]), re.I),
        re.compile(_alt(ts["following_negations"]), re.I),
        re.compile(_alt(ts["pseudo_negations"]), re.I),
        re.compile(_alt(ts["termination"]), re.I),
    )


def find_cue(text: str, start: int, end: int, subject_start: Optional[int] = None,
             protected: list[tuple[int, int]] = (), regexes=None) -> Optional[tuple[int, int]]:
    """(start, end) of the cue that negates text[start:end], or None.

    `protected` spans (comparators, constraint text) cannot hold a cue: "no more than" is a
    comparator, not a negation.
    """
    pre, post, pseudo, term = regexes or _regexes()
    blocked = list(protected) + [(m.start(), m.end()) for m in pseudo.finditer(text, start, end)]

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in blocked)

    target = subject_start if subject_start is not None else end
    if subject_start is None:
        # no known subject: the scope is the statement up to its first termination term
        t = term.search(text, start, end)
        if t is not None:
            target = t.start()
    for m in pre.finditer(text, start, end):
        if not free(m.start(), m.end()):
            continue
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


@lru_cache(maxsize=None)
def _cue_regex() -> re.Pattern:
    """Surface negation cues (`models/rules/negation_cues.jsonl`): every cue word of a statement,
    as LCT annotates them, whether or not it negates the statement's subject."""
    path = model_file("rules", "negation_cues.jsonl")
    parts = []
    for n, rec in read_jsonl(path):
        check_keys(rec, path, n, {"literal"}, {"prefix", "note"})
        body = r"\s+".join(re.escape(w) for w in rec["literal"].split())
        parts.append(rf"\b{body}(?=-)" if rec.get("prefix") else rf"\b{body}\b")
    return re.compile("|".join(sorted(parts, key=len, reverse=True)), re.I)


def find_cues(text: str, start: int, end: int, protected: list[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Every surface negation cue in text[start:end], minus pseudo-negations and `protected` spans."""
    _, _, pseudo, _ = _regexes()
    blocked = list(protected) + [(m.start(), m.end()) for m in pseudo.finditer(text, start, end)]
    return [(m.start(), m.end()) for m in _cue_regex().finditer(text, start, end)
            if all(m.end() <= s or m.start() >= e for s, e in blocked)]
