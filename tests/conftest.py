"""One conftest: shared fixtures scoped by mutability (read-only data session-wide)."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = ROOT / "examples" / "NCT04691349.txt"


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    """../shared/corpora, or a clean skip on a user's machine where it is absent."""
    path = SHARED / "corpora"
    if not path.is_dir():
        pytest.skip("../shared/corpora is not present")
    return path


@pytest.fixture(scope="session")
def seed_criteria(seed_text):
    from pipeline import Trial, extract_trial

    return extract_trial(Trial("NCT04691349", str(SEED), seed_text, sex="ALL"))
