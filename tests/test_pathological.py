"""Pathological inputs (issue 9): each finishes within a CPU budget, keeps exact offsets, and takes
time linear in its size (doubling the input at most ~2.5x the CPU time).

Timing is CPU time of this process (`time.process_time`, garbage collector off), the minimum of
three interleaved repetitions (five more when the ratio looks too high, then the next doubling, 2n
to 4n: a burst of load on the machine hits one pair of sizes, a super-linear stage every pair), at
sizes that take at least ~50 ms, so that other processes on the machine do not make it flaky.
`python -m pytest tests/test_pathological.py -s` prints the ratios (docs/robustness.md lists them).
"""
from __future__ import annotations

import contextlib
import gc
import signal
import time

import pytest

from pipeline import Trial, extract_trial
from pipeline.segment import MAX_CLAUSE

HEADER = "Inclusion Criteria:\n* "
RUN_ON = ("Total bilirubin ≤ 1.5 × ULN and ALT/AST ≤ 2.5 × ULN within 4 weeks before first dose, "
          "except Gilbert syndrome, ")  # no sentence end, no ';': one clause however long
MAX_RATIO = 2.5  # CPU time of 2n over n; linear is 2, quadratic 4
MIN_SECONDS = 0.05  # smallest measured run
CPU_PER_CHAR = 50e-6  # budget of a nominal input: 50 µs of CPU per character (1 MB: 50 s), at least 5 s


def _repeat(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _nesting(blocks: int) -> str:
    """`blocks` lists nested 30 levels deep: 29 lead-ins ("- level 3:") and one leaf."""
    block = "".join("  " * d + f"- level {d + 1}" + (":" if d < 29 else " ANC ≥ 1500/µL") + "\n" for d in range(30))
    return "Exclusion Criteria:\n" + block * blocks


def _bullets(n: int) -> str:
    return "Inclusion Criteria:\n" + "".join(f"* Age >= {18 + i % 50} years\n" for i in range(n))


# name: (text of size n, nominal n (the issue's), n for the doubling test)
CASES = {
    "criterion_1mb": (lambda n: HEADER + _repeat(RUN_ON, n), 1_000_000, 30_000),
    "bullets_50000": (_bullets, 50_000, 1_000),
    "nesting_30_levels": (_nesting, 1, 150),
    "digits_100000": (lambda n: HEADER + "Platelets ≥ " + _repeat("1234567890", n), 100_000, 20_000),
    "digit_groups_100000": (lambda n: HEADER + "ANC ≥ " + _repeat("1,500,", n), 100_000, 10_000),
    "comparators_100000": (lambda n: HEADER + "Creatinine " + _repeat("<=>≥", n) + " 1.5 mg/dL", 100_000, 200_000),
    "open_parens_100000": (lambda n: HEADER + "ANC " + _repeat("(((", n) + " ≥ 1500/µL", 100_000, 400_000),
    "and_or_100000": (lambda n: HEADER + "ALT " + _repeat("and/or ", n) + "AST ≤ 2.5 × ULN", 100_000, 40_000),
    "no_spaces_100000": (lambda n: HEADER + _repeat("bilirubin≤1.5×ULN,", n), 100_000, 20_000),
}


@contextlib.contextmanager
def _cpu_budget(seconds: float):
    """Fail (instead of hanging) when this process spends more than `seconds` of CPU inside."""
    if not hasattr(signal, "setitimer"):  # pragma: no cover - not POSIX
        yield
        return

    def over(signum, frame):
        raise TimeoutError(f"over the CPU budget of {seconds:.0f} s")

    previous = signal.signal(signal.SIGPROF, over)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


@pytest.fixture(scope="module", autouse=True)
def _rules_loaded():
    """Rules and lexicons load on first use: not inside a measurement."""
    extract_trial(Trial("T", "warm-up", "Inclusion Criteria:\n* Age >= 18 years; ANC ≥ 1500/µL within 4 weeks"))


def _run(text: str) -> tuple[float, list]:
    """CPU seconds of one extraction, and its records. The cyclic garbage collector is off while it
    runs: its full collections walk the whole heap of the test process, not only this input's."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.process_time()
        out = extract_trial(Trial("T", "pathological", text), include_registry=False)
        return time.process_time() - t0, out
    finally:
        gc.enable()


def _assert_exact(text: str, records) -> None:
    for r in records:
        assert text[r.start:r.end] == r.text, r.criterion_id
        parts = [r.subject, r.constraint, r.temporal, r.period, r.negation_cue, r.condition, *r.exceptions]
        if r.constraint is not None:
            parts += [r.constraint.operator_span, r.constraint.value_span, r.constraint.unit_span]
        for part in parts:
            if part is not None:
                assert 0 <= part.start <= part.end <= len(text), (r.criterion_id, part)
                assert text[part.start:part.end] == part.text, (r.criterion_id, part)


def _best_of(texts: list[str], reps: int, best: list[float]) -> list[float]:
    """Minimum CPU time per text over `reps` more interleaved runs (so that every size sees the
    same state of the machine), starting from `best`."""
    best = list(best)
    for _ in range(reps):
        for i, text in enumerate(texts):
            best[i] = min(best[i], _run(text)[0])
    return best


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_pathological_doubling_the_input_at_most_doubles_the_time(name):
    make, _, n = CASES[name]
    inf = float("inf")
    with _cpu_budget(90):
        first = _run(make(n))[0]
        while first < MIN_SECONDS and n < 1 << 24:  # a faster machine: larger sizes
            n *= 2
            first = _run(make(n))[0]
        texts = [make(n), make(2 * n)]
        best = _best_of(texts[1:], 1, [inf])  # the run that fixed n is the first small one
        best = _best_of(texts, 2, [first, *best])
        ratios = [best[1] / best[0]]
        if ratios[0] > MAX_RATIO:  # contention, or super-linear? 5 more runs, then one size up
            best = _best_of(texts, 5, best)
            ratios = [best[1] / best[0]]
        if ratios[0] > MAX_RATIO:  # a burst of load hits one pair of sizes, super-linear time every pair
            up = _best_of([make(4 * n)], 3, [inf])
            ratios.append(up[0] / best[1])
    print(f"{name}: n={n} {best[0]:.3f} s, 2n={2 * n} {best[1]:.3f} s, ratio {ratios[0]:.2f}"
          + (f", 4n/2n {ratios[1]:.2f}" if len(ratios) > 1 else ""))
    assert min(ratios) <= MAX_RATIO, (f"{name}: {best[0]:.3f} s -> {best[1]:.3f} s for twice the input "
                                      f"({' then '.join(f'{r:.2f}x' for r in ratios)})")


def _alnum(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def _nominal(name: str):
    make, n, _ = CASES[name]
    text = make(n)
    with _cpu_budget(max(5.0, CPU_PER_CHAR * len(text))):
        seconds, out = _run(text)
    _assert_exact(text, out)
    return text, out


@pytest.mark.slow
def test_pathological_one_criterion_of_1_mb():
    text, out = _nominal("criterion_1mb")
    units = (len(text) - len(HEADER)) // len(RUN_ON)
    names = [r.subject.name if r.subject else None for r in out]
    assert {n: names.count(n) for n in set(names)} == {"bilirubin.total": units, "alt": units, "ast": units}
    assert all(r.constraint.operator.value == "<=" and r.constraint.unit_normalized == "{ULN}" for r in out)
    assert max(r.end - r.start for r in out) <= MAX_CLAUSE


@pytest.mark.slow
def test_pathological_50000_bullets():
    text, out = _nominal("bullets_50000")
    assert [r.item_path for r in out] == [str(i) for i in range(1, 50_001)]
    assert [r.constraint.value for r in out] == [18 + i % 50 for i in range(50_000)]
    assert {r.subject.name for r in out} == {"age"}


def test_pathological_30_levels_of_nesting():
    text, out = _nominal("nesting_30_levels")
    leaf = (".".join(["1"] * 30), "level 29", "level 30 ANC ≥ 1500/µL")
    assert [(r.item_path, r.lead_in, r.text) for r in out] == [leaf]
    assert (out[0].subject.name, out[0].constraint.operator.value, out[0].constraint.value) == ("anc", ">=", 1500)


@pytest.mark.parametrize("name", ["digits_100000", "digit_groups_100000", "open_parens_100000", "and_or_100000"])
def test_pathological_long_line_keeps_its_text_and_first_subject(name):
    text, out = _nominal(name)
    line = text[len(HEADER):]
    assert out and out[0].subject is not None and line.startswith(out[0].subject.text)  # Platelets, ANC, ALT
    assert all(r.end - r.start <= MAX_CLAUSE for r in out)
    # cut into clauses, but every letter and digit of the line is still in some statement
    assert _alnum("".join(r.text for r in out)) == _alnum(line)
    assert all(r.constraint is None or abs(r.constraint.value or 0) < 1e308 for r in out)  # no "inf" values


def test_pathological_line_of_comparators():
    text, out = _nominal("comparators_100000")
    assert out[0].subject.name == "creatinine"
    assert _alnum("".join(r.text for r in out)) == _alnum(text[len(HEADER):])
    assert [r.constraint.value for r in out if r.constraint] == [1.5]  # the one number, once


def test_pathological_long_line_without_spaces():
    text, out = _nominal("no_spaces_100000")
    assert len(out) == 100_000 // len("bilirubin≤1.5×ULN,")
    assert {(r.subject.name, r.constraint.operator.value, r.constraint.value, r.constraint.unit_normalized)
            for r in out} == {("bilirubin.total", "<=", 1.5, "{ULN}")}
