"""Accuracy floors on the gold TEST split (annotations/split.json). A floor never goes down
without a written reason in the README; raise them as the pipeline improves."""
import pytest

from pipeline.evaluate import evaluate, load_gold

# measured on the test split minus a small margin (see README "Measured accuracy"). Session 5 added the test parts of
# the blind sets G-P: the split grew from 27 to 63 trials, and the subject-name, category, logic and span floors of the
# whole split went down then because those sets name subjects the lexicon did not know and write OR-groups more
# atomically (README); the floors of the session 1-4 split (ORIGINAL_*) keep the old guarantees. Session 6 raised them.
FLOORS_PRF = {  # test split (63 trials), 2026-11-30 session 6 (measured: 0.993 / 0.900 / 0.949 / 0.916 / 0.883 / 0.898 / 0.907)
    "statement.span.overlap": 0.98,
    "statement.span.exact": 0.88,
    "constraint.presence": 0.93,
    "subject.span.overlap": 0.90,
    "subject.name": 0.86,
    "temporal": 0.88,
    "exceptions": 0.88,
}
FLOORS_ACC = {  # test split (63 trials), 2026-11-30 session 6
    "section": 0.98,  # 1.000
    "constraint.operator": 0.97,  # 0.995
    "constraint.value": 0.96,  # 0.986
    "constraint.unit": 0.95,  # 0.976
    "negated": 0.97,  # 0.992
    "polarity": 0.97,  # 0.992
    "category": 0.89,  # 0.911
    "computable": 0.91,  # 0.928
    "logic.op": 0.93,  # 0.954
}
ORIGINAL_SETS = ("gold_a.jsonl", "gold_b.jsonl", "gold_e.jsonl", "gold_f.jsonl")  # the test split of sessions 1-4
ORIGINAL_PRF = {  # 27 trials, session 6 (measured: span exact 0.900, exceptions 0.929, subject 0.937, temporal 0.899)
    "statement.span.overlap": 0.98,
    "statement.span.exact": 0.88,
    "constraint.presence": 0.94,
    "subject.span.overlap": 0.89,
    "subject.name": 0.91,
    "temporal": 0.87,
    "exceptions": 0.89,
}


@pytest.fixture(scope="module")
def test_report():
    gold = load_gold(split="test")
    if not gold:
        pytest.skip("no gold test trials")
    return evaluate(gold)


@pytest.mark.parametrize("key,floor", sorted(FLOORS_PRF.items()))
def test_accuracy_floors_prf(test_report, key, floor):
    assert test_report.prf[key].f1 >= floor, test_report.table()


@pytest.mark.parametrize("key,floor", sorted(FLOORS_ACC.items()))
def test_accuracy_floors_fields(test_report, key, floor):
    assert test_report.acc[key].value >= floor, test_report.table()


@pytest.fixture(scope="module")
def original_report():
    from pipeline.evaluate import annotations_dir

    paths = [annotations_dir() / "gold" / name for name in ORIGINAL_SETS]
    if not all(p.exists() for p in paths):
        pytest.skip("gold sets missing")
    return evaluate(load_gold(paths, split="test"))


@pytest.mark.parametrize("key,floor", sorted(ORIGINAL_PRF.items()))
def test_accuracy_floors_on_the_session_1_to_4_test_split(original_report, key, floor):
    assert original_report.prf[key].f1 >= floor, original_report.table()


def test_accuracy_gold_spans_are_exact():
    """Every gold span is a faithful slice of its trial text (guards the gold itself)."""
    for trial in load_gold():
        text = trial["criteria"]
        for st in trial["statements"]:
            assert text[st["start"]:st["end"]] == st["text"], (trial["trial_id"], st["text"])
            for key in ("subject", "constraint", "temporal", "negation_cue", "condition"):
                part = st.get(key)
                if part:
                    assert text[part["start"]:part["end"]] == part["text"], (trial["trial_id"], key)
