"""pipeline.fastre: guards and gates must never change what a pattern finds."""
import random
import re

import pytest

from pipeline import fastre
from pipeline.fastre import Folded, Gated, first_class, guarded, needed_words, present

PATTERNS = [
    (r"\b(?:within|during|in)\s+(?:the\s+)?(?:past|last)\s+(?P<n>\d+)\s*(?:days?|weeks?)", re.I),
    (r"\s*(?:,|;|\(|\b(?:that|which)\b|\bprior\s+to\b)", re.I),
    (r"(?<![\w.])\.\d+|\b(?:one|two|three)\b|(?-i:\b(?:IV|IX|I{1,3})\b)", re.I),
    (r"\\?≥|\\?>\\?=|\b(?:at\s+least|more\s+than)\b", re.I),
    (r"(?:[A-Z]{2,}|\d+)\s*(?=ago|before)", 0),
    (r"x?", 0),  # may match empty: no guard
    (r"\w+(?:ectomy|otomy)", re.I),
    (r"(?P<a>over)|(?P<b>under)|[^a-z]", re.I),
    (r"""(?x) \b  foo  \s+ bar  # comment""", 0),
    (r"(?<!\bpast\s)\bdays?\b|\bwithin\b(?!\s+one)|(?P<w>\bweek)", re.I),  # a \b in front (_boundary_first)
    (r"(?<!x)\bover|under", re.I),  # not every alternative starts at \b: none in front
    (r"\s+(?P<op>or|and)\s+", re.I),  # compiled as \s\s*...: a character class first, no lookahead
    (r"\s+x|\s+?y", 0),
]
ALPHABET = list("abcdefghilmnoprstuvwxyz ABIVXK.,;()≥>=\\-0123456789") + ["\u212a", "\u0130", "\u017f", "é"]
WORDS = ["within", "thin", "east", "during", "past", "last", "days", "week", "that", "which", "prior to", "one", "two", "IV",
         "at least", "more than", "ago", "before", "foo bar", "FOO  BAR", "gastrectomy", "over", "under", "ſince"]


def _texts(n=400, seed=7):
    rnd = random.Random(seed)
    for _ in range(n):
        parts = [rnd.choice(WORDS) if rnd.random() < 0.5 else "".join(rnd.choices(ALPHABET, k=rnd.randint(0, 6)))
                 for _ in range(rnd.randint(1, 12))]
        yield " ".join(parts)


def _all(rx, text, s, e):
    return [(m.span(), m.groups(), m.lastgroup) for m in rx.finditer(text, s, e)]


@pytest.mark.parametrize("pattern,flags", PATTERNS)
def test_guarded_and_gated_find_the_same(pattern, flags):
    plain = re.compile(pattern, flags)
    fast = guarded(pattern, flags)
    gated = Gated(pattern, flags)
    rnd = random.Random(1)
    for text in _texts():
        s = rnd.randint(0, max(0, len(text) // 3))
        e = rnd.randint(s, len(text))
        assert _all(fast, text, s, e) == _all(plain, text, s, e)
        assert _all(gated, text, s, e) == _all(plain, text, s, e)
        for method in ("search", "match"):
            m1, m2 = getattr(gated, method)(text, s, e), getattr(plain, method)(text, s, e)
            assert (m1 and m1.span()) == (m2 and m2.span())


def test_boundary_first():
    from re import _parser as P

    assert fastre._boundary_first(P.parse(r"(?<!x)\bab|\bcd", re.I))
    assert not fastre._boundary_first(P.parse(r"\bab|\bcd", re.I))  # the parser moved \b to the front
    assert not fastre._boundary_first(P.parse(r"\bab|cd", re.I))
    assert not fastre._boundary_first(P.parse(r"(?a:(?<!x)\bab)", re.I))  # local flags change \b


def test_first_class():
    assert first_class(r"\bwithin\b", re.I) == "[w]"
    assert first_class(r"x?") is None  # may match empty
    assert first_class(r"\w+ectomy") is None  # any word character: no point
    assert first_class(r"(?<!\d)\s*(?:,|;)") is not None


def test_needed_words():
    assert needed_words(r"\b(?:except|excluding|other\s+than)\b", re.I) == ("except", "excluding", "other")
    assert needed_words(r"\d+\s*(?=\s+ago)", re.I) == ("ago",)  # a lookahead stays inside endpos
    assert needed_words(r"(?<=before )\d+") is None  # a lookbehind may look before pos
    assert needed_words(r"\b(?:in|of)\s+the\b", re.I) is None  # function words are no gate
    assert needed_words(r"\s+or\s+", re.I, min_strength=1) == ("or",)
    assert needed_words(r"[Hh]alf-lives|x{0,2}ago", re.I) == ("ago", "alf-lives")
    assert needed_words(r"half|x?", re.I) is None  # one branch needs nothing


def test_folded_refuses_untrustworthy_text():
    assert Folded("Kelvin \u212a and ſince").low is None  # re.I matches these with ASCII letters
    assert Folded("\u0130stanbul").low is None  # lower() changes the length
    assert Folded("ÉTÉ ≥ 5").low == "été ≥ 5"
    assert present("Within 5 DAYS", 0, 13, {"within", "days", "ago"}) == {"within", "days"}


def test_ascii_case_twins_are_complete():
    """Every non-ASCII character that re.IGNORECASE matches with an ASCII character."""
    big = "".join(chr(c) for c in range(128, 0x110000) if not 0xD800 <= c <= 0xDFFF)
    twins = set(re.findall(r"[\x00-\x7f]", big, re.I))
    assert twins == set(fastre._TWINS)


def test_any_of_and_backreferences():
    rx = fastre.any_of(["car", "care", "cat", "≥"])
    assert rx.search("a scar") and rx.search("x ≥ 5") and not rx.search("cab")
    assert fastre.has_backreference(r"(a)\1") and fastre.has_backreference(r"(?P<x>a)(?:b|(?P=x))")
    assert not fastre.has_backreference(r"(a)(?:b|c)+")


@pytest.mark.parametrize("pattern", [
    r"(?<![A-Za-z0-9])(?:within|prior[\s\-]+to|ago|iv)(?![A-Za-z])",
    r"\b(?:one|two|[a-c]x)\b|\d+(?:\.\d+)?",
    r"\b(?:CAR[- ]?T|mAb|HIV|[A-C]x)\b",  # upper-case literals, lower-cased by lowered_source
])
def test_lowered_matches_like_re_i_on_ascii(pattern):
    fast, behind = fastre.lowered(pattern, re.I)
    plain = re.compile(pattern, re.I)
    rnd = random.Random(5)
    for text in _texts():
        if not text.isascii():
            continue
        s = rnd.randint(0, len(text))
        assert [m.span() for m in fast.finditer(text.lower(), s)] == [m.span() for m in plain.finditer(text, s)]


def test_lowered_lowers_literals_refuses_case_dependent_patterns():
    assert fastre.lowered(r"[A-Z]x", re.I)[0].pattern == "[a-z]x"  # upper-case literals are lower-cased
    assert fastre.lowered_source(r"Ax(?P<Cd>\S)\B", re.I) == r"Ax(?P<Cd>\S)\B"  # a name, escapes: kept
    assert fastre.lowered_source(r"Ax[B-D]", re.I) == "ax[b-d]"
    assert fastre.lowered_source(r"(?P<a>IMP)(?P=a)", re.I) == "(?P<a>imp)(?P=a)"
    assert fastre.lowered_source(r"Ax", 0) == "Ax"
    assert fastre.lowered(r"(?-i:a)b", re.I) is None
    assert fastre.lowered(r"ax") is None  # not case-insensitive: nothing to gain
    assert fastre.lowered(r"(?<!\w{3})\bfoo", re.I)[1] == 3



@pytest.mark.parametrize("pattern,required", [
    (r"a(?P<x>b)", True),
    (r"a(?P<x>b)?", False),
    (r"a|(?P<x>b)", False),
    (r"(?:c(?P<x>b)|e)f", False),
    (r"(?:c|e)(?:(?P<x>f)g)+", True),
    (r"a(?=(?P<x>b))", False),  # inside a lookaround: not counted
    (r"a(?P<y>b)", False),  # no such group
])
def test_requires_group(pattern, required):
    assert fastre.requires_group(pattern, 0, "x") is required


def test_characters_without_case_fold_to_themselves():
    """What `Folded.plain` relies on: re.I pairs a character without case (str.lower and str.upper
    keep it) with no other character, so a `lowered` pattern is exact on it."""
    import _sre

    casefix = pytest.importorskip("re._casefix")
    uncased = {c for c in range(128, 0x110000)
               if not 0xD800 <= c <= 0xDFFF and chr(c).lower() == chr(c) == chr(c).upper()}
    for d in range(0x110000):
        low = _sre.unicode_tolower(d)
        assert low == d or (low not in uncased and d not in uncased)
    assert not uncased & set(casefix._EXTRA_CASES)


def test_lowered_matches_like_re_i_on_characters_without_case():
    pattern = r"(?:\b(?:no|not|without)\b|≥|×\s*uln)"
    fast, behind = fastre.lowered(pattern, re.I)
    plain = re.compile(pattern, re.I)
    for text in ["NOT ≥ 5 × ULN", "Without\u00a0fever – no", "X ≥ 2×ULN; NO"]:
        f = fastre.Folded(text)
        assert f.plain(0, len(text))
        assert [m.span() for m in fast.finditer(f.low)] == [m.span() for m in plain.finditer(text)]
    f = fastre.Folded("Not μg ≥ 5")
    assert f.plain(0, 4) and not f.plain(0, 6) and f.plain(6, 10)


def test_word_sets_find_what_any_of_finds():
    lists = [("with", "within", "in"), ("thin", "hin"), None, ("at", "at least", "east"), (), ("ago", "before")]
    sets = fastre.WordSets(lists)
    rnd = random.Random(3)
    for text in _texts():
        low = text.lower()
        s = rnd.randint(0, len(low))
        e = rnd.randint(s, len(low))
        mask = sets.find(low, s, e)
        for i, words in enumerate(lists):
            expected = not words or fastre.any_of(words).search(low, s, e) is not None
            assert bool(mask >> i & 1) == expected, (low[s:e], words)


def test_gate_set_finds_what_each_gated_pattern_finds():
    gated = [Gated(p, f, min_strength=1) for p, f in PATTERNS if not f & re.X]
    gates = fastre.GateSet(gated)
    rnd = random.Random(5)
    for text in _texts():
        s = rnd.randint(0, max(0, len(text) // 3))
        e = rnd.randint(s, len(text))
        at = gates.at(text, s, e)
        for g in gated:
            found = [(m.span(), m.groups()) for m in at.finditer(g)]
            assert found == [(m.span(), m.groups()) for m in g.finditer(text, s, e)]
            m1, m2 = at.search(g), g.search(text, s, e)
            assert (m1 and m1.span()) == (m2 and m2.span())


def test_guarded_skips_to_first_characters_of_either_case():
    # the info block's start characters are closed under case (re.I), the twins included
    for pattern, text in [(r"\bkelvin", "x \u212aELVIN"), (r"\bsince\b", "x \u017fINCE"), (r"\bin\b", "x \u0130N"),
                          (r"\b(?:at|on)\s+day", "x AT DAY"), (r"≥\s*\d", "a ≥ 3")]:
        plain, fast = re.compile(pattern, re.I), guarded(pattern, re.I)
        assert fastre._skipping(fast.pattern, re.I, fastre._first(fastre._parse(pattern, re.I), re.I)[0]) is not None
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)] != []


def test_anchored_patterns_stay_plain():
    assert fastre._anchored(r"^(?:be\s+)?male", re.I) and fastre._anchored(r"\Amale", 0)
    assert not fastre._anchored(r"(?m)^male", 0) and not fastre._anchored(r"^a|b", 0) and not fastre._anchored("a^", 0)
    assert guarded(r"^(?:be\s+)?male", re.I).pattern == r"^(?:be\s+)?male"
