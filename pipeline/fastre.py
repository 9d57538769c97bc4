"""Speed helpers for regular expressions that scan whole clauses; they never change a match.

Python's `re` tries a pattern at every position of the searched range. A pattern that starts with
`\\b`, `\\s*`, a lookbehind, or (under re.I) a letter gets none of the engine's prefix shortcuts, so
each position runs the pattern's first operations, e.g. all branches of a long alternation. Two
remedies, both exact:

* `guarded(rx)`: the same pattern behind a lookahead for the characters a match can start with
  (derived from the parsed pattern, so it stays right when the pattern or its rule file changes):
  positions that cannot start a match fail after one character test.
* `Folded(text)`: the lower-cased text with the same offsets, for `str.find` gates ("the regex
  needs the word 'except'") that skip a regex where it cannot match.
"""
from __future__ import annotations

import re
import sys
from bisect import bisect_left
from functools import lru_cache
from itertools import accumulate
try:
    from re import _constants as C
    from re import _parser as P
except ImportError:  # Python 3.10
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]
from typing import Optional

_CATEGORY_CLASS = {C.CATEGORY_DIGIT: r"\d", C.CATEGORY_NOT_DIGIT: r"\D", C.CATEGORY_SPACE: r"\s",
                   C.CATEGORY_NOT_SPACE: r"\S", C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W"}
_ZERO_WIDTH = (C.AT, C.ASSERT, C.ASSERT_NOT)
_ATOMIC = getattr(C, "ATOMIC_GROUP", object())  # both new in Python 3.11
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT) + ((C.POSSESSIVE_REPEAT,) if hasattr(C, "POSSESSIVE_REPEAT") else ())


def _parse(pattern: str, flags: int = 0):
    """`re._parser.parse`, kept for the last few patterns: the analyses below (first characters,
    needed strings, lower-cased form, leading \\b) each read the parse tree of the same pattern, which
    takes longer than the analysis itself; they never change it. A long pattern (a lexicon trie) is
    not kept: its tree takes megabytes. (Raises re.error as parse does.)"""
    return P.parse(pattern, flags) if len(pattern) > 4000 else _parse_kept(pattern, flags)


@lru_cache(maxsize=16)
def _parse_kept(pattern: str, flags: int):
    return P.parse(pattern, flags)


class _Unknown(Exception):
    """The first characters of a (sub)pattern cannot be listed as a class."""


def _first(items, flags: int) -> tuple[set, bool]:
    """(class items a match of the sequence can start with, whether it can match empty)."""
    out: set = set()
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue  # consumes nothing: the next item decides (dropping a condition only widens)
        if op is C.LITERAL:
            out.add((C.LITERAL, av))
            return out, False
        if op is C.IN:
            if any(o is C.NEGATE for o, _ in av):
                raise _Unknown
            out.update((o, a) for o, a in av)
            return out, False
        if op is C.BRANCH:
            nullable = False
            for alt in av[1]:
                f, n = _first(alt, flags)
                out |= f
                nullable = nullable or n
            if not nullable:
                return out, False
            continue
        if op is C.SUBPATTERN:
            _group, add, _del, sub = av
            if add & re.I and not flags & re.I:
                raise _Unknown  # a case-insensitive part in a case-sensitive pattern
            f, n = _first(sub, flags)
        elif op is _ATOMIC:
            f, n = _first(av, flags)
        elif op in _REPEATS:
            lo, _hi, sub = av
            f, n = _first(sub, flags)
            n = n or lo == 0
        else:  # ANY, NOT_LITERAL, group references, conditionals ...
            raise _Unknown
        out |= f
        if not n:
            return out, False
    return out, True


def first_class(pattern: str, flags: int = 0) -> Optional[str]:
    """A character class that every match of `pattern` starts with, or None when there is none
    worth testing (the pattern may match empty, or start with any word character)."""
    try:
        items, nullable = _first(_parse(pattern, flags), flags)
    except _Unknown:
        return None
    if nullable or not items:
        return None
    parts = []
    for op, av in sorted(items, key=repr):
        if op is C.LITERAL:
            parts.append(_class_char(av))
        elif op is C.RANGE:
            parts.append(f"{_class_char(av[0])}-{_class_char(av[1])}")
        elif op is C.CATEGORY and av in (C.CATEGORY_DIGIT, C.CATEGORY_SPACE):
            parts.append(_CATEGORY_CLASS[av])
        else:
            return None  # \w and friends: most positions pass, a guard would only cost
    return "[" + "".join(parts) + "]"


def _class_char(code: int) -> str:
    ch = chr(code)
    return ch if ch.isalnum() or ch in " !\"#%&',/:;<=>@_`{}~" else f"\\U{code:08x}"


def _boundary_first(items) -> bool:
    """Whether every match of the sequence starts at a `\\b` that comes after other zero-width items
    or inside alternatives (`(?<!x)\\bfoo|\\bbar`): then one `\\b` in front rejects a position
    inside a word once, not once per alternative. (The parser already moves a `\\b` that starts
    every alternative to the front.)"""
    return bool(items) and items[0] != (C.AT, C.AT_BOUNDARY) and _at_boundary(items)


def _at_boundary(items) -> bool:
    """Whether every match of the sequence starts at a position where it tests `\\b`."""
    for op, av in items:
        if op is C.AT and av is C.AT_BOUNDARY:
            return True
        if op in _ZERO_WIDTH:
            continue  # a lookaround or anchor at the same position: the order does not matter
        if op is C.BRANCH:
            return all(_at_boundary(alt) for alt in av[1])
        if op is C.SUBPATTERN and not av[1] and not av[2]:  # no local flags (`(?a:` changes \\b)
            return _at_boundary(av[3])
        return False
    return False


def guarded(pattern: str, flags: int = 0) -> re.Pattern:
    """`re.compile(pattern, flags)` that skips to its possible first characters (`_skipping`, or else
    behind a lookahead for them): the same matches, groups and group names, found faster when few
    positions can start a match.
    A pattern whose alternatives all start with `\\b` also gets one `\\b` in front (`_boundary_first`).
    A pattern that starts with `\\s+` is compiled as `\\s\\s*...` instead, without a lookahead: the
    same pattern, but its first item is then a character class, which the engine skips to in C."""
    if pattern.startswith(r"\s+") and not pattern.startswith((r"\s+?", r"\s++")) and not flags & re.X:
        return re.compile(r"\s\s*" + pattern[3:], flags)
    if _anchored(pattern, flags):
        return re.compile(pattern, flags)  # the engine tries it at the start only
    cls = first_class(pattern, flags)
    try:
        bound = r"\b" if _boundary_first(_parse(pattern, flags)) else ""
    except re.error:
        bound = ""
    lead = ("" if cls is None else f"(?={cls})") + bound
    if not lead:
        return re.compile(pattern, flags)
    try:
        rx = re.compile(f"{lead}(?:{pattern}\n)" if flags & re.X else f"{lead}(?:{pattern})", flags)
    except re.error:  # e.g. inline global flags, which must stay at the start
        return re.compile(pattern, flags)
    if cls is not None:
        # the start characters in the info block instead of the lookahead (`_skipping`)
        fast = _skipping((f"{bound}(?:{pattern}\n)" if flags & re.X else f"{bound}(?:{pattern})") if bound else pattern,
                         flags, _first(_parse(pattern, flags), flags)[0])
        if fast is not None:
            return fast
    return rx


def _anchored(pattern: str, flags: int) -> bool:
    """Whether the pattern starts with ^ (not re.M) or \\A: a search tries it at its start position
    only, faster than any guard."""
    try:
        items = _parse(pattern, flags)
    except re.error:
        return False
    return (bool(len(items)) and items[0][0] is C.AT and not (flags | items.state.flags) & re.M
            and items[0][1] in (C.AT_BEGINNING, C.AT_BEGINNING_STRING))


def _skipping(pattern: str, flags: int, first) -> Optional[re.Pattern]:
    """`re.compile(pattern, flags)` with the characters its matches can start with (the class items
    `first`) in the compiled code's info block, as the compiler puts them there for a pattern that
    starts with a character class: a search then skips in C to the next such character instead of
    trying the pattern (its lookahead) at every position. The block only filters start positions, so
    the matches stay the same. Under re.I the set is closed under case here (the ASCII letters, both
    cases, and `_TWINS`); a class with a non-ASCII letter with case, a wide range, or a Python whose
    compiler differs gets None (compile it as usual)."""
    try:
        from re import _compiler as RC  # Python 3.11+
        import _sre
    except ImportError:
        return None
    chars = set(first)
    if flags & re.I:
        letters = False
        for op, av in first:
            codes = [av] if op is C.LITERAL else range(av[0], av[1] + 1) if op is C.RANGE else ()
            if len(codes) > 128:
                return None
            for c in codes:
                ch = chr(c)
                if c >= 128 and not ch.lower() == ch == ch.upper():
                    return None
                if c < 128 and ch.isalpha():
                    letters = True
                    chars |= {(C.LITERAL, ord(ch.lower())), (C.LITERAL, ord(ch.upper()))}
        if letters:
            chars |= {(C.LITERAL, ord(t)) for t in _TWINS}
    try:
        p = P.parse(pattern, flags)
        lo, hi = p.getwidth()
        if lo == 0:
            return None
        charset, _ = RC._optimize_charset(sorted(chars, key=repr))
        code = [C.INFO, 0, RC.SRE_INFO_CHARSET, min(lo, RC.MAXCODE), min(hi, RC.MAXCODE)]
        RC._compile_charset(charset, flags, code)
        code[1] = len(code) - 1
        RC._compile(code, p.data, p.state.flags | flags)
        code.append(C.SUCCESS)
        indexgroup = [None] * p.state.groups
        for name, i in p.state.groupdict.items():
            indexgroup[i] = name
        return _sre.compile(pattern, flags | p.state.flags, code, p.state.groups - 1, p.state.groupdict,
                            tuple(indexgroup))
    except Exception:  # noqa: BLE001 - an internal API that changed: compile as usual
        return None


def _gateable(code: int) -> bool:
    """A pattern literal that only matches itself (up to ASCII case) under re.I, and that
    `str.lower` keeps: ASCII, or a character without case ("≥", "±")."""
    ch = chr(code)
    return code < 128 or ch.lower() == ch == ch.upper()


_COMMON = {"a", "an", "and", "as", "at", "be", "by", "for", "in", "is", "of", "on", "or", "the", "to", "with"}
_TOKEN = re.compile(r"[^\W_]+|[^\w\s]")


def _strength(word: str) -> int:
    """How rare a required string is likely to be: the length of its longest word, 1 for a function
    word ("in the " is a poor gate) or common punctuation; another symbol ("≥") counts as 4 letters."""
    return max([0] + [(1 if t in ",.;:()-/'" else 4) if not t[0].isalnum() else 1 if t in _COMMON else len(t)
                      for t in _TOKEN.findall(word)])


def _needs(items) -> Optional[frozenset]:
    """Lower-cased strings one of which every match of the sequence contains, or None."""
    options: list[frozenset] = []
    run: list[str] = []
    for op, av in list(items) + [(None, None)]:
        if op is C.LITERAL and _gateable(av):
            run.append(chr(av).lower())
            continue
        if run:
            options.append(frozenset(["".join(run)]))
            run = []
        need = None
        if op is C.BRANCH:
            alts = [_needs(alt) for alt in av[1]]
            need = frozenset().union(*alts) if all(alts) else None
        elif op is C.SUBPATTERN:
            need = _needs(av[3])
        elif op is _ATOMIC:
            need = _needs(av)
        elif op in _REPEATS and av[0] >= 1:
            need = _needs(av[2])
        elif op is C.ASSERT and av[0] == 1:  # a lookahead sees no further than endpos
            need = _needs(av[1])
        # a lookbehind may look before pos; anything else requires no literal
        if need:
            options.append(need)
    if not options:
        return None
    return max(options, key=lambda o: (min(map(_strength, o)), -len(o)))


def needed_words(pattern: str, flags: int = 0, max_words: int = 24, min_strength: int = 3) -> Optional[tuple[str, ...]]:
    """Lower-cased strings one of which every match of `pattern` contains, or None when no short
    list of selective strings (see `_strength`) is required."""
    need = _needs(_parse(pattern, flags))
    if not need or len(need) > max_words or min(map(_strength, need)) < min_strength:
        return None
    # a string that contains another one is implied by it
    return tuple(sorted(w for w in need if not any(o != w and o in w for o in need)))


def requires_group(pattern: str, flags: int, name: str) -> bool:
    """Whether every match of `pattern` matches its group `name` (outside lookarounds)."""
    tree = _parse(pattern, flags)
    gid = tree.state.groupdict.get(name)

    def seq(items) -> bool:
        for op, av in items:
            if op is C.SUBPATTERN and (av[0] == gid or seq(av[3])):
                return True
            if op is C.BRANCH and all(seq(alt) for alt in av[1]):
                return True
            if op in _REPEATS and av[0] >= 1 and seq(av[2]):
                return True
        return False

    return gid is not None and seq(tree)


def has_backreference(pattern: str, flags: int = 0) -> bool:
    """Whether the pattern refers to a group by number or name (it cannot be spliced into a larger
    alternation without changing meaning)."""

    def walk(items) -> bool:
        for op, av in items:
            if op in (C.GROUPREF, C.GROUPREF_EXISTS):
                return True
            for sub in (av if isinstance(av, (list, tuple)) else [av]):
                if isinstance(sub, P.SubPattern) and walk(sub):
                    return True
                if isinstance(sub, list) and any(isinstance(x, P.SubPattern) and walk(x) for x in sub):
                    return True
        return False

    return walk(_parse(pattern, flags))


_ASCII_LOWER = {c: c + 32 for c in range(65, 91)}
_UPPER = re.compile("[A-Z]")


def _same_but_lowered(a, b) -> bool:
    """Whether parse tree `b` is parse tree `a` with upper-case ASCII literals (and range ends)
    lower-cased, and nothing else changed."""
    if isinstance(a, P.SubPattern):
        return isinstance(b, P.SubPattern) and _same_but_lowered(a.data, b.data)
    if isinstance(a, (list, tuple)):
        if not isinstance(b, type(a)) or len(a) != len(b):
            return False
        if len(a) == 2 and a[0] is C.LITERAL and b[0] is C.LITERAL:
            return b[1] == _ASCII_LOWER.get(a[1], a[1])
        if len(a) == 2 and a[0] is C.RANGE and b[0] is C.RANGE:
            return b[1] == tuple(_ASCII_LOWER.get(x, x) for x in a[1])
        return all(_same_but_lowered(x, y) for x, y in zip(a, b))
    return a == b and type(a) is type(b)


@lru_cache(maxsize=None)
def lowered_source(pattern: str, flags: int = 0) -> str:
    """`pattern` with its upper-case ASCII letters lower-cased, when that changes only literals
    (under re.I "C" and "c" match the same letters); otherwise `pattern` itself. Checked on the
    parse trees, so escapes (\\S, \\B, \\A) and group names never change meaning."""
    if not flags & re.I or not _UPPER.search(pattern.replace("A-Za-z", "")):
        return pattern  # no upper-case letter but in [A-Za-z] (which `lowered` accepts as it is)
    low = pattern.translate(_ASCII_LOWER).replace("(?p<", "(?P<").replace("(?p=", "(?P=")  # group syntax
    try:
        a, b = _parse(pattern, flags), _parse(low, flags)
    except re.error:
        return pattern
    if a.state.groupdict != b.state.groupdict or not _same_but_lowered(a, b):
        return pattern
    return low


def lowered(pattern: str, flags: int = 0) -> Optional[tuple[re.Pattern, int]]:
    """`lowered_form` compiled: the pattern for the lower-cased text and its lookbehind width."""
    form = lowered_form(pattern, flags)
    return None if form is None else (re.compile(form[0], flags & ~re.I), form[1])


def lowered_form(pattern: str, flags: int = 0) -> Optional[tuple[str, int]]:
    """The re.I `pattern` to compile without re.I for the lower-cased text, and the width of its
    widest lookbehind; or None when that is not exact. It is exact on a stretch of text (plus the
    lookbehind width before it) whose characters are ASCII or have no case ("≥", "–", a no-break
    space: `Folded.plain`) when every letter the pattern names is lower case or comes with its
    lower case ([A-Za-z]), after `lowered_source` lower-cased its literals: then an ASCII character
    matches under re.I exactly when its lower-cased form matches without it, and a character
    without case is its own lower case and matches the same with or without re.I (it matches no
    cased pattern character either way; the few non-ASCII characters that re.I pairs with ASCII
    letters have case, and make the pattern ineligible). Without re.I, the engine tests an
    alternative's first letter before entering it, which makes long word alternations faster."""
    if not flags & re.I:
        return None
    pattern = lowered_source(pattern, flags)
    behind = 0

    def ok(items) -> bool:
        nonlocal behind
        for op, av in items:
            if op is C.LITERAL:
                if av < 128 and chr(av).isupper() or chr(av) in _TWINS:
                    return False  # upper case, or a character re.I matches with an ASCII letter
            elif op is C.IN:
                letters = set()
                for o, a in av:
                    if o is C.LITERAL:
                        letters.add(a)
                    elif o is C.RANGE:
                        if a[1] - a[0] > 1000:
                            return False
                        letters.update(range(a[0], a[1] + 1))
                    elif o is not C.CATEGORY and o is not C.NEGATE:
                        return False
                for c in letters:
                    ch = chr(c)
                    if ch in _TWINS or c < 128 and ch.isupper() and ord(ch.lower()) not in letters:
                        return False  # an upper-case letter without its lower case
            elif op is C.BRANCH:
                if not all(ok(alt) for alt in av[1]):
                    return False
            elif op is C.SUBPATTERN:
                if av[1] or av[2] or not ok(av[3]):
                    return False  # local flags
            elif op in _REPEATS:
                if not ok(av[2]):
                    return False
            elif op in (C.ASSERT, C.ASSERT_NOT):
                if av[0] == -1:
                    behind = max(behind, av[1].getwidth()[1])
                if not ok(av[1]):
                    return False
            elif op is _ATOMIC:
                if not ok(av):
                    return False
            elif op not in (C.AT, C.ANY, C.NOT_LITERAL) or op is C.NOT_LITERAL and chr(av).isalpha():
                return False  # group references, conditionals, a negated letter
        return True

    if not ok(_parse(pattern, flags)):
        return None
    return pattern, max(behind, 1)  #  looks one character back


def _char_trie(words) -> dict:
    """The literal `words` as a character trie; a key "" marks that a word ends at the node."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return trie


def any_of(words) -> re.Pattern:
    """A case-sensitive regex that finds any of the literal `words` (to search the lower-cased
    text): a trie of their characters, so the engine skips through the text in C."""
    trie = _char_trie(words)

    def build(node: dict) -> str:
        if "" in node:
            return ""  # a word ends here: its longer continuations are found through it
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items())]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return re.compile(build(trie))


class WordSets:
    """Which of several lists of literal strings occur in a lower-cased text, in one scan instead of
    one `any_of` search per list: `find` returns a bit mask (bit i: a string of list i occurs in
    low[pos:endpos]; a list that is None or empty always counts as present).

    The scan finds, at every position where one starts, the longest listed string; the strings
    that start there are exactly its prefixes that are listed, so each string's mask includes the
    lists of its listed prefixes."""

    __slots__ = ("rx", "masks", "always")

    def __init__(self, lists):
        own: dict[str, int] = {}
        self.always = 0
        for i, words in enumerate(lists):
            if not words:
                self.always |= 1 << i
            for w in words or ():
                own[w] = own.get(w, 0) | 1 << i
        self.masks = {w: 0 for w in own}
        for w in own:
            for v, m in own.items():
                if w.startswith(v):
                    self.masks[w] |= m
        trie = _char_trie(own)

        def build(node: dict) -> str:
            alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
            if not alts:
                return ""
            body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
            return f"(?:{body})?" if "" in node else body  # greedy: the longest string

        # no lookahead: the engine skips in C to the next position where a listed string can
        # start, and `find` searches again from the position after it (20% faster than a
        # lookahead tried at every position)
        self.rx = re.compile(build(trie)) if own else None

    def find(self, low: str, pos: int = 0, endpos: int = sys.maxsize) -> int:
        mask = self.always
        if self.rx is not None:
            masks = self.masks
            search = self.rx.search
            m = search(low, pos, endpos)
            while m is not None:
                mask |= masks[m.group()]
                m = search(low, m.start() + 1, endpos)
        return mask


# Non-ASCII characters that re.IGNORECASE matches against an ASCII letter (the Kelvin sign, the
# long s, the dotted and dotless i ...): where one occurs, a lower-cased text is not a safe gate.
# (tests/test_fastre.py recomputes the list over all code points)
_TWINS = "\u0130\u0131\u017f\u212a"
_ASCII_CASE_TWINS = re.compile(f"[{_TWINS}]")


class Gated:
    """A pattern compiled with `guarded`, and the strings one of which any match needs: `search`,
    `match` and `finditer` take (text, pos, endpos) like re.Pattern's and return the same results,
    skipping the regex where the lower-cased text lacks all the needed strings (`needed_words`;
    its `max_words` and `min_strength` choose which gates are worth testing). `fold=True`: the
    regex is a `CaseFolded` one (same offsets; groups lower-cased on ASCII text)."""

    __slots__ = ("rx", "pattern", "flags", "words", "_any", "_indexed")

    def __init__(self, pattern: str, flags: int = 0, max_words: int = 24, min_strength: int = 3, fold: bool = False):
        self.rx = CaseFolded(pattern, flags, guard=True) if fold and flags & re.I else guarded(pattern, flags)
        self.pattern, self.flags = pattern, flags
        self.words = needed_words(pattern, flags, max_words, min_strength)
        self._any = any_of(self.words) if self.words else None
        # a few selective words occur rarely: their places in a long text are found once and answer
        # every range of it; common words (",", "or") have too many places to be worth listing
        self._indexed = self._any is not None and min_strength >= 3 and len(self.words) <= 12

    def possible(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> bool:
        """False when no match can occur in text[pos:endpos] (a needed string is missing)."""
        if self._any is None:
            return True
        f = _seen.get(id(text))  # folded(text), inlined: this runs for every gated search
        if f is not None and f.text is text:
            f.used = True
        else:
            f = folded(text)
        low = f.low
        if low is None:
            return True
        if f.gates is None or not self._indexed:
            return self._any.search(low, pos, endpos) is not None
        # a long text (the trial's criteria) that every clause gates again: where the words occur,
        # found once per text, answers each range
        occ = f.gates.get(self)
        if occ is None:
            occ = f.gates[self] = f.occurrences(self.words)
        starts, ends = occ
        i = bisect_left(starts, pos)
        return i < len(starts) and ends[i] <= endpos

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize):
        return self.rx.search(text, pos, endpos) if self.possible(text, pos, endpos) else None

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize):
        return self.rx.match(text, pos, endpos) if self.possible(text, pos, endpos) else None

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize):
        return self.rx.finditer(text, pos, endpos) if self.possible(text, pos, endpos) else iter(())


class GateSet:
    """The gates of several `Gated` patterns that a function tries on the same range (a clause),
    decided in one `WordSets` scan of it (`at`) instead of one `Gated.possible` per pattern; each
    pattern whose gate passes then runs without testing it again. Same matches as the patterns'
    own `search` / `finditer` on that range."""

    __slots__ = ("bits", "sets", "all")

    def __init__(self, gated):
        self.bits = {g: 1 << i for i, g in enumerate(gated)}
        self.sets = WordSets([g.words for g in gated])
        self.all = (1 << len(gated)) - 1

    def at(self, text: str, pos: int, endpos: int) -> "Gates":
        f = folded(text)
        mask = self.all if f.low is None else self.sets.find(f.low, pos, endpos)
        return Gates(self.bits, text, pos, endpos, mask)


class Gates:
    """`GateSet.at`: the patterns of the set run over text[pos:endpos] where their gates pass."""

    __slots__ = ("bits", "text", "pos", "endpos", "mask")

    def __init__(self, bits: dict, text: str, pos: int, endpos: int, mask: int):
        self.bits, self.text, self.pos, self.endpos, self.mask = bits, text, pos, endpos, mask

    def finditer(self, g: Gated):
        return g.rx.finditer(self.text, self.pos, self.endpos) if self.mask & self.bits[g] else iter(())

    def search(self, g: Gated):
        return g.rx.search(self.text, self.pos, self.endpos) if self.mask & self.bits[g] else None


class Folded:
    """The lower-cased text for substring gates before case-insensitive regexes.

    `low` is None when such a gate cannot be trusted: lower-casing changed the length, or a
    character occurs that re.I matches with an ASCII letter (the Kelvin sign ...). Otherwise a
    pattern literal of `_gateable` characters matched in text[s:e] occurs lower-cased in low[s:e].
    `ascii`: the whole text is ASCII. `cased`: the offsets of its non-ASCII characters that have a
    case ("μ", "é"), in order."""

    __slots__ = ("text", "low", "ascii", "cased", "used", "gates")

    def __init__(self, text: str):
        self.text = text
        self.ascii = text.isascii()
        self.used = False
        self.gates = {} if len(text) > 400 else None  # Gated -> `occurrences` of its words
        if self.ascii:
            self.low = text.lower()
            self.cased = ()
            return
        low = text.lower()
        self.low = low if len(low) == len(text) and not _ASCII_CASE_TWINS.search(text) else None
        self.cased = [m.start() for m in _NON_ASCII.finditer(text)
                      if not m.group() == m.group().lower() == m.group().upper()]

    def occurrences(self, words) -> tuple[list[int], list[int]]:
        """(starts, ends) of every occurrence of `words` in `low`, overlapping ones too, by start;
        ends[i] is the earliest end of the occurrences from i on: a word occurs in low[pos:endpos]
        exactly when ends[bisect_left(starts, pos)] <= endpos."""
        low = self.low
        occ = []
        for w in words:
            n = len(w)
            p = low.find(w)
            while p != -1:
                occ.append((p, p + n))
                p = low.find(w, p + 1)
        if len(words) == 1:  # in order, and the ends rise with the starts
            return [a for a, _ in occ], [b for _, b in occ]
        occ.sort()
        ends = list(accumulate(reversed([b for _, b in occ]), min))
        ends.reverse()
        return [a for a, _ in occ], ends

    def plain(self, s: int, e: int) -> bool:
        """Whether text[s:e] is lower-cased in low[s:e] and has only ASCII characters and characters
        without case: where a `lowered` pattern finds what its re.I form finds in the text."""
        if self.low is None:
            return False
        if self.ascii:
            return True
        i = bisect_left(self.cased, s)
        return i == len(self.cased) or self.cased[i] >= e


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def present(text: str, s: int, e: int, words) -> Optional[set]:
    """The strings of `words` that occur in the lower-cased text[s:e], or None when a lower-cased
    gate cannot be trusted for this text (see `Folded`). For many gates over one piece of text."""
    low = folded(text).low
    if low is None:
        return None
    piece = low[s:e]
    return {w for w in words if w in piece}


# id(text) -> Folded of the last few texts (an entry keeps its text alive, so an id is never reused
# while it is here): the trial text, its long statement strings, and the last short ones.
_seen: dict = {}
_big: list = []  # ids of texts longer than 400 characters, oldest first
_small: list = []


def folded(text: str) -> Folded:
    """`Folded(text)`, kept for the last few texts: the trial's criteria and the long statement
    strings cut from it stay together (when a long statement evicted the trial text, every clause
    lower-cased the whole trial again: quadratic on hostile one-line inputs). A text used since it
    came in gets a second chance before it is evicted, so the trial text stays."""
    f = _seen.get(id(text))
    if f is not None and f.text is text:
        f.used = True
        return f
    f = Folded(text)
    order, cap = (_big, 4) if len(text) > 400 else (_small, 8)
    while len(order) >= cap:
        key = order.pop(0)
        old = _seen[key]
        if old.used:
            old.used = False
            order.append(key)
        else:
            del _seen[key]
    order.append(id(text))
    _seen[id(text)] = f
    return f


class CaseFolded:
    """A re.I pattern that, on a stretch of ASCII text (and characters without case, see
    `Folded.plain`), runs its case-sensitive form (`lowered`) over the lower-cased text: the same
    matches at the same offsets, found 1.3-2.5x faster on long word alternations. Only for callers
    that use offsets, or group text they lower-case anyway (a match found on the lower-cased text
    has lower-cased groups). Compiled on first use (module import stays fast; the re.I form is
    compiled only when a text with a non-ASCII letter with case comes)."""

    __slots__ = ("_pattern", "_flags", "_guard", "_rx", "low", "behind")

    def __init__(self, pattern: str, flags: int = re.I, guard: bool = False):
        self._pattern, self._flags, self._guard = pattern, flags, guard
        self._rx = None
        self.behind = -1  # not built yet

    def _build(self) -> None:
        form = lowered_form(self._pattern, self._flags)
        if form is None:
            self.low, self.behind = None, 0
        else:
            low_flags = self._flags & ~re.I
            self.low = guarded(form[0], low_flags) if self._guard else re.compile(form[0], low_flags)
            self.behind = form[1]

    @property
    def rx(self) -> re.Pattern:
        """The pattern itself (re.I), for text that is not ASCII."""
        if self._rx is None:
            self._rx = guarded(self._pattern, self._flags) if self._guard else re.compile(self._pattern, self._flags)
        return self._rx

    def view(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> tuple[re.Pattern, str]:
        """(pattern, text to search) for a search of text[pos:endpos]."""
        if self.behind < 0:
            self._build()
        if self.low is not None:
            f = _seen.get(id(text))  # folded(text), inlined: this runs for every scan
            if f is not None and f.text is text:
                f.used = True
            else:
                f = folded(text)
            if f.ascii or f.plain(max(0, pos - self.behind), endpos):
                return self.low, f.low
        return self.rx, text

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize):
        rx, t = self.view(text, pos, endpos)
        return rx.search(t, pos, endpos)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize):
        rx, t = self.view(text, pos, endpos)
        return rx.match(t, pos, endpos)

    def fullmatch(self, text: str, pos: int = 0, endpos: int = sys.maxsize):
        rx, t = self.view(text, pos, endpos)
        return rx.fullmatch(t, pos, endpos)

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize):
        rx, t = self.view(text, pos, endpos)
        return rx.finditer(t, pos, endpos)

    @property
    def pattern(self) -> str:
        return self._pattern
