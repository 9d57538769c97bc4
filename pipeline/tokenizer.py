"""Clinical tokenizer: scispaCy's rule tokenizer plus infixes for glued comparators and units.

Registry text glues things together ("bilirubin≤1.5×ULN", "≥12weeks", "ANC≥1.5x10^9/L",
"SpO2>91%"). The extra infixes split comparator, number, multiplier and unit into tokens so that
token-level matchers and displaCy see them, without changing any character offset. Installed
through a registered callback so that the tokenizer serialises with `nlp.to_disk`.
"""
from __future__ import annotations

import warnings

import spacy
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

_COMPARATORS = r"(?:\\?[<>]\\?=?|\\?=\\?[<>]|[≥≤≠⩾⩽]|\\?~)"
CLINICAL_INFIXES = [
    # a comparator glued to a word or number on either side: "bilirubin≤1.5", "AST>2", "≥12"
    r"(?<=[\w%)\]])" + _COMPARATORS + r"(?=[\w.(\-+])",
    r"(?<=[\w%)\]])" + _COMPARATORS,
    _COMPARATORS + r"(?=[\d.])",
    # multiplication signs between a number and a unit or power of ten: "1.5×ULN", "1.5x10^9"
    r"(?<=\d)[×xX\*](?=\s*(?:10|ULN|LLN|upper|lower|institutional|IULN|N\b))",
    r"(?<=[\d\s])×",
    r"×(?=\S)",
    # powers: "10^9/L"
    r"(?<=\d)\^(?=[\d⁰-⁹\-])",
    # a number glued to a time unit or a unit word: "12weeks", "5mg"
    r"(?<=\d)(?=(?:weeks?|wks?|days?|months?|years?|yrs?|hours?|hrs?|mg|g|kg|ml|mL|L|mmol|umol|µmol|ng|pg|IU|U|cm|mm|ms|msec|bpm|mmHg|cells|copies|x)\b)",
    # "/" after a number or superscript: "9/L", "mm3" stays whole
    r"(?<=[\d⁰-⁹])/(?=[A-Za-zµμ])",
]


@spacy.registry.callbacks("eligibility.clinical_tokenizer.v1")
def create_clinical_tokenizer():
    """Callback for `[nlp.tokenizer] @tokenizers`-style use in config: returns a tokenizer factory."""

    def make(nlp):
        return clinical_tokenizer(nlp)

    return make


@spacy.registry.tokenizers("eligibility.clinical_tokenizer.v1")
def tokenizer_factory():
    def make(nlp):
        return clinical_tokenizer(nlp)

    return make


def clinical_tokenizer(nlp):
    """scispaCy's combined rule tokenizer (its special cases and token rules) with spaCy's English
    prefixes/suffixes/infixes, and our clinical comparator and unit rules in front of them."""
    from scispacy.custom_tokenizer import combined_rule_tokenizer

    with warnings.catch_warnings():
        # scispaCy's prefix regex triggers a re FutureWarning ("Possible set union") on compile
        warnings.simplefilter("ignore", FutureWarning)
        tok = combined_rule_tokenizer(nlp)
        infixes = CLINICAL_INFIXES + list(nlp.Defaults.infixes or [])
        tok.infix_finditer = compile_infix_regex(infixes).finditer
        prefixes = [r"\\?(?:>=|<=|=>|=<|>/=|</=|≥/=|≤/=)", r"\\?[<>]=?", r"[≥≤≠⩾⩽~]"]
        tok.prefix_search = compile_prefix_regex(prefixes + list(nlp.Defaults.prefixes or [])).search
        suffixes = [r"(?<=\d)%", r"(?<=[\d\w])[.,;:]"] + list(nlp.Defaults.suffixes or [])
        tok.suffix_search = compile_suffix_regex(suffixes).search
    return tok
