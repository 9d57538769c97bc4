# Two commands do all set-up from a bare Python 3.11 machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install clean bench accuracy train-ner

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/eligibility extract examples/NCT04691349.txt -o demo-output/NCT04691349.jsonl --show

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/throughput.py

accuracy: $(STAMP)
	$(BIN)/python benchmarks/accuracy_report.py

# the Observation NER in models/ner/ from the LCT corpus (dev split only; a few minutes on one core)
LCT ?= ../shared/corpora/lct/annotated
train-ner: $(STAMP)
	$(BIN)/python -m pipeline.training $(LCT)

clean:
	rm -rf $(VENV) demo-output .pytest_cache
