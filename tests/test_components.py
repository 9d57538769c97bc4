"""The spaCy component: span groups, records on the Doc, serialisation, n_process=2."""
import pytest
from spacy.tokens import Doc

from pipeline.components import SPAN_KEYS, criteria_from_doc, load


@pytest.fixture(scope="module")
def nlp():
    return load()


def test_components_annotates_span_groups(nlp, seed_text):
    doc = nlp(seed_text)
    assert set(SPAN_KEYS) <= set(doc.spans)
    subjects = {s.id_ for s in doc.spans["elig_subjects"] if s.id_}
    assert {"alt", "ast", "bilirubin.total", "ecog"} <= subjects
    labels = {s.label_ for s in doc.spans["elig_statements"]}
    assert labels == {"inclusion", "exclusion"}


def test_components_records_survive_to_bytes(nlp, seed_text):
    doc = nlp(seed_text)
    doc2 = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert criteria_from_doc(doc2) == criteria_from_doc(doc)
    assert [(s.start, s.end, s.label_) for s in doc2.spans["elig_constraints"]] == [
        (s.start, s.end, s.label_) for s in doc.spans["elig_constraints"]]


def test_components_pipeline_to_disk_round_trip(nlp, tmp_path, seed_text):
    import spacy

    import pipeline.tokenizer  # noqa: F401 - registers the tokenizer callback

    nlp.to_disk(tmp_path / "p")
    nlp2 = spacy.load(tmp_path / "p")
    assert [t.text for t in nlp2(seed_text)] == [t.text for t in nlp(seed_text)]


def test_components_tokenizer_keeps_offsets(nlp):
    text = "Total bilirubin≤1.5×ULN; ANC≥1.5x10^9/L; ≥12weeks; SpO2>91%"
    doc = nlp.make_doc(text)
    assert doc.text == text
    assert ["bilirubin", "≤", "1.5", "×", "ULN"] == [t.text for t in doc[1:6]]


@pytest.mark.slow
def test_components_n_process_2_equals_1(nlp):
    texts = ["Inclusion Criteria:\n* Age 18-75\n* ECOG 0-1", "Exclusion Criteria:\n* No prior CAR-T\n* ALT > 3 x ULN"] * 2
    one = [criteria_from_doc(d) for d in nlp.pipe(texts, n_process=1)]
    two = [criteria_from_doc(d) for d in nlp.pipe(texts, n_process=2)]
    assert one == two


def test_components_negspacy_negex_uses_our_termset(nlp):
    doc = nlp("Exclusion Criteria:\n* No prior CAR-T therapy\n* History of seizures\n* ALT > 3 x ULN")
    negated = {s.text: s._.negex for s in doc.spans["elig_subjects"]}
    assert negated["CAR-T therapy"] is True and negated["ALT"] is False
    assert nlp.get_pipe_config("negex")["neg_termset"] == {"@misc": "eligibility.negation_termset.v1"}
