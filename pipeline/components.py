"""spaCy components: annotate a Doc of criteria text with statements, subjects, constraints,
temporal windows and negation cues, as span groups, plus the criterion records themselves.

The algorithms live in pure modules (segment, thresholds, subjects, temporal, negation, criteria);
the component only wires them to the Doc (STYLE lesson 3). Everything written to the Doc survives
`Doc.to_bytes()`: spans go to `doc.spans[...]`, records to `doc.user_data` as plain dicts.
"""
from __future__ import annotations

from typing import Optional

from spacy.language import Language
from spacy.pipeline import Pipe
from spacy.tokens import Doc
from spacy.util import registry

from .criteria import build_criteria
from .schema import Criterion, Trial, from_dict, to_dict

@registry.misc("eligibility.negation_termset.v1")
def negation_termset() -> dict[str, list[str]]:
    """Our termset (models/rules/negation_termset.json) for negspacy's `negex`:
    `neg_termset = {"@misc": "eligibility.negation_termset.v1"}` keeps the config small."""
    from .negation import termset

    return termset()


SPAN_KEYS = ("elig_statements", "elig_subjects", "elig_constraints", "elig_temporal", "elig_negations")
USER_KEY = "elig_criteria"


class CriteriaAnnotator(Pipe):
    """`elig_criteria`: criteria text in, annotated Doc out."""

    def __init__(self, nlp: Language, name: str = "elig_criteria", overwrite: bool = False):
        self.nlp = nlp
        self.name = name
        self.overwrite = overwrite

    def __call__(self, doc: Doc) -> Doc:
        error_handler = self.get_error_handler()
        try:
            records = self.predict(doc)
            self.set_annotations(doc, records)
            return doc
        except Exception as exc:  # noqa: BLE001 - routed through spaCy's error handler
            error_handler(self.name, self, [doc], exc)
            return doc

    def predict(self, doc: Doc) -> list[Criterion]:
        trial_id = doc.user_data.get("trial_id", "doc") if doc.user_data else "doc"
        return build_criteria(Trial(str(trial_id), "doc", doc.text))

    def set_annotations(self, doc: Doc, records: list[Criterion]) -> None:
        if not self.overwrite and any(doc.spans.get(k) for k in SPAN_KEYS):
            return
        groups: dict[str, list] = {k: [] for k in SPAN_KEYS}

        def add(key, start, end, label, span_id=""):
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is not None:
                if span_id:
                    span.id_ = span_id
                groups[key].append(span)

        seen = set()
        for r in records:
            if (r.start, r.end, r.section.value) not in seen:
                seen.add((r.start, r.end, r.section.value))
                add("elig_statements", r.start, r.end, r.section.value)
            if r.subject is not None:
                add("elig_subjects", r.subject.start, r.subject.end, r.category.value, r.subject.name or "")
            if r.constraint is not None:
                add("elig_constraints", r.constraint.start, r.constraint.end, r.constraint.operator.value)
            if r.temporal is not None:
                add("elig_temporal", r.temporal.start, r.temporal.end, r.temporal.relation)
            if r.negation_cue is not None:
                add("elig_negations", r.negation_cue.start, r.negation_cue.end, "NEG")
        for key, spans in groups.items():
            doc.spans[key] = _dedupe(spans)
        # statements are the sentences: negspacy's NegEx scope then ends at a statement
        if not doc.has_annotation("SENT_START") or self.overwrite:
            starts = {s.start for s in doc.spans["elig_statements"]}
            for i, token in enumerate(doc):
                token.is_sent_start = i == 0 or i in starts
        doc.user_data[USER_KEY] = [to_dict(r) for r in records]


def _dedupe(spans):
    seen = set()
    out = []
    for s in spans:
        k = (s.start, s.end, s.label_)
        if k not in seen:
            seen.add(k)
            out.append(s)
    return out


@Language.factory(
    "elig_criteria",
    default_config={"overwrite": False},
    assigns=["doc.spans"],
)
def make_criteria_annotator(nlp: Language, name: str, overwrite: bool) -> CriteriaAnnotator:
    return CriteriaAnnotator(nlp, name, overwrite)


def criteria_from_doc(doc: Doc) -> list[Criterion]:
    """The criterion records a Doc carries (also after `Doc.from_bytes`)."""
    return [from_dict(Criterion, d) for d in doc.user_data.get(USER_KEY, [])]


def load(tokenizer: bool = True, negex: bool = True) -> Language:
    """A blank English pipeline: the clinical tokenizer, `elig_criteria`, and negspacy's `negex`
    over our subjects with our termset (`eligibility.negation_termset.v1`), so that
    `span._.negex` is set on `doc.spans["elig_subjects"]`."""
    import negspacy.negation  # noqa: F401 - registers the `negex` factory
    import spacy

    from .tokenizer import clinical_tokenizer

    nlp = spacy.blank("en")
    if tokenizer:
        nlp.tokenizer = clinical_tokenizer(nlp)
    nlp.add_pipe("elig_criteria")
    if negex:
        nlp.add_pipe("negex", config={"neg_termset": {"@misc": "eligibility.negation_termset.v1"},
                                      "span_keys": ["elig_subjects"]})
    return nlp


def annotate(text: str, trial_id: Optional[str] = None, nlp: Optional[Language] = None) -> Doc:
    nlp = nlp or load()
    doc = nlp.make_doc(text)
    if trial_id:
        doc.user_data["trial_id"] = trial_id
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc
