"""The one place that finds the data directory `models/` (rules, lexicons, units, built pipeline)."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

ENV_VAR = "ELIGIBILITY_MODELS"


@lru_cache(maxsize=None)
def models_dir() -> Path:
    """`$ELIGIBILITY_MODELS`, else the copy installed inside the package, else the repo checkout."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for candidate in (here / "models", here.parent / "models"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"models/ not found; set {ENV_VAR} to its location")


def model_file(*parts: str) -> Path:
    return models_dir().joinpath(*parts)
