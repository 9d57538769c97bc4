"""Every rule file in models/rules loads and validates; a broken file names its path and line."""
import json

import pytest

from pipeline import criteria, negation, paths, segment, subjects, thresholds
from pipeline.errors import RuleFileError


def test_models_data_all_rule_files_load():
    assert segment.header_rules()
    assert thresholds.comparator_table()
    assert criteria.category_rules()
    assert negation.termset()["preceding_negations"]
    assert negation._cue_regex().pattern
    from pipeline import temporal

    assert temporal._period_rules()[1]["history"] == "past"
    assert all(subjects._context_rules())
    assert segment._pdq_label_rx().search("Hepatic: bilirubin normal")


@pytest.mark.parametrize(
    "rel,loader,bad_line",
    [
        ("rules/sections.jsonl", lambda: segment.header_rules(), '{"id": "x", "section": "both", "pattern": "x"}'),
        ("rules/comparators.jsonl", lambda: thresholds.comparator_table(), '{"literal": "gt", "operator": "=>>", "kind": "word"}'),
        ("rules/categories.jsonl", lambda: criteria.category_rules(), '{"category": "nope", "priority": 1, "pattern": "x"}'),
        ("rules/subject_context.jsonl", lambda: subjects._context_rules(), '{"side": "above", "pattern": "x"}'),
        ("rules/subject_context.jsonl", lambda: subjects._context_rules(), '{"side": "after", "pattern": "(x"}'),
        ("rules/pdq_labels.jsonl", lambda: segment._pdq_label_rx(), '{"name": "Age"}'),
    ],
)
def test_models_data_invalid_rule_names_file_and_line(tmp_path, monkeypatch, rel, loader, bad_line):
    root = paths.models_dir()
    target = tmp_path / "models"
    for sub in ("rules", "lexicons", "units"):
        src = root / sub
        if src.is_dir():
            (target / sub).mkdir(parents=True)
            for f in src.iterdir():
                (target / sub / f.name).write_bytes(f.read_bytes())
    with open(target / rel, "a", encoding="utf-8") as fh:
        fh.write(bad_line + "\n")
    n_lines = len((target / rel).read_text(encoding="utf-8").splitlines())
    monkeypatch.setenv(paths.ENV_VAR, str(target))
    for fn in (paths.models_dir, segment.header_rules, thresholds.comparator_table, criteria.category_rules,
               subjects._context_rules, segment._pdq_label_rx):
        fn.cache_clear()
    try:
        with pytest.raises(RuleFileError) as info:
            loader()
        assert info.value.line == n_lines and rel.split("/")[-1] in str(info.value)
    finally:
        monkeypatch.delenv(paths.ENV_VAR)
        for fn in (paths.models_dir, segment.header_rules, thresholds.comparator_table, criteria.category_rules,
                   subjects._context_rules, segment._pdq_label_rx):
            fn.cache_clear()


def test_models_data_negation_termset_is_valid_json():
    data = json.loads((paths.models_dir() / "rules" / "negation_termset.json").read_text(encoding="utf-8"))
    assert not set(data["pseudo_negations"]) & set(data["preceding_negations"])
