"""The statistical Observation finder: a small spaCy NER (tok2vec + ner) in `models/ner/`.

LCT's Observation is broad: labs and scores (the lexicon's) but also pain, smoking, injury,
exercise, blood pressure, gestational age, "under guardianship" ... a long tail no lexicon lists.
`find_observations(text)` returns the predicted spans as character offsets into `text`; the model
is trained by `pipeline.training` (`make train-ner`) on the LCT dev split.

Optional by design: when `models/ner/` is absent (or has no trained model), `available()` is False,
`find_observations` returns [] and the pipeline works exactly as before.
"""
from __future__ import annotations

import threading
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Optional

import spacy

from .paths import models_dir

MODEL_DIR = "ner"
LABEL = "OBSERVATION"
_LOCK = threading.Lock()


@spacy.registry.tokenizers("eligibility.ner_tokenizer.v1")
def ner_tokenizer_factory():
    """Our clinical tokenizer, creatable from a config (`[nlp.tokenizer]`): scispaCy's
    `combined_rule_tokenizer` reads `nlp.tokenizer`, which does not exist yet while spaCy builds
    the pipeline from its config, so a default tokenizer stands in first."""

    def make(nlp):
        from .tokenizer import clinical_tokenizer

        if not hasattr(nlp, "tokenizer"):
            nlp.tokenizer = spacy.registry.tokenizers.get("spacy.Tokenizer.v1")()(nlp)
        return clinical_tokenizer(nlp)

    return make


def model_path() -> Path:
    return models_dir() / MODEL_DIR


def available() -> bool:
    """Whether a trained model is there (its config.cfg and ner weights)."""
    path = model_path()
    return (path / "config.cfg").is_file() and (path / "ner" / "model").is_file()


@lru_cache(maxsize=4)
def _load(path: str):
    with warnings.catch_warnings():
        # scispaCy's prefix regex triggers a re FutureWarning ("Possible set union") on compile
        warnings.simplefilter("ignore", FutureWarning)
        # the tokenizer comes from code (the config's callback), not from a serialised copy
        return spacy.load(path, exclude=["tokenizer"])


def load(path: Optional[Path] = None):
    """The NER pipeline (cached per path and process), or None when no model is installed."""
    if path is None:
        if not available():
            return None
        path = model_path()
    with _LOCK:
        return _load(str(path))


def find_observations(text: str, nlp=None) -> list[tuple[int, int]]:
    """Predicted Observation spans of `text` as sorted (start, end) character offsets; [] without
    a model."""
    nlp = nlp if nlp is not None else load()
    if nlp is None or not text.strip():
        return []
    doc = nlp(text)
    return [(e.start_char, e.end_char) for e in doc.ents if e.label_ == LABEL]
