"""Structured registry fields (minimum/maximum age, sex, healthy volunteers) as criteria too."""
from __future__ import annotations

import math
import re
from typing import Optional

from .schema import Category, Constraint, Criterion, Logic, Operator, Polarity, Section, Subject, Trial

_AGE = re.compile(r"^\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<u>years?|months?|weeks?|days?|hours?|minutes?)\s*$", re.I)
_UCUM = {"year": "a", "month": "mo", "week": "wk", "day": "d", "hour": "h", "minute": "min"}


def parse_age(value: Optional[str]) -> Optional[tuple[float, str, str]]:
    """'18 Years' -> (18.0, 'Years', 'a'); 'N/A' or None -> None."""
    if not value:
        return None
    m = _AGE.match(value)
    if not m:
        return None
    unit = m.group("u").lower().rstrip("s")
    n = float(m.group("n"))
    return (n, m.group("u"), _UCUM[unit]) if math.isfinite(n) else None  # 309+ digits: no age


def _with_expression(c: Criterion) -> Criterion:
    from .expression import to_expression

    c.expression = to_expression(c)
    return c


def registry_criteria(trial: Trial) -> list[Criterion]:
    """Age limits and sex from the registry's own fields; offsets are -1 (not in the text)."""
    out: list[Criterion] = []

    def add(field: str, text: str, category: Category, subject: Subject, constraint: Optional[Constraint]):
        out.append(
            _with_expression(Criterion(
                criterion_id=f"{trial.trial_id}:registry:{field}:1",
                trial_id=trial.trial_id,
                section=Section.INCLUSION,
                text=text,
                start=-1,
                end=-1,
                item_text=text,
                item_path=field,
                category=category,
                subject=subject,
                constraint=constraint,
                polarity=Polarity.REQUIRE,
                logic=Logic(f"registry-{field}"),
                computable=True,
                source=f"registry:{field}",
            ))
        )

    for field, op in (("minimum_age", Operator.GE), ("maximum_age", Operator.LE)):
        raw = getattr(trial, field)
        age = parse_age(raw)
        if age is None:
            continue
        value, unit, code = age
        add(field, f"{field.replace('_', ' ')}: {raw}", Category.AGE,
            Subject("age", -1, -1, "age", None, "age"),
            Constraint(op, raw, -1, -1, value=value, unit=unit, unit_normalized=code))
    sex = (trial.sex or "").upper()
    if sex in ("FEMALE", "MALE"):
        add("sex", f"sex: {trial.sex}", Category.SEX, Subject("sex", -1, -1, "sex", None, "sex"),
            Constraint(Operator.EQ, trial.sex, -1, -1, qualitative=sex.lower()))
    if trial.healthy_volunteers is False:
        pass  # "no healthy volunteers" restates the condition criteria; not a separate criterion
    return out
