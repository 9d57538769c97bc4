"""Score the pipeline against our gold files (annotations/gold/*.jsonl): per-field P/R/F1.

Statements are matched one-to-one between gold and prediction, preferring the same span and then
the same subject (distributed statements such as "ALT and AST ≤ 2.5 × ULN" share a span and differ
by subject). Field scores are computed on matched pairs; span and presence scores (subject,
constraint, temporal) as precision/recall/F1 over all statements.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from .criteria import build_criteria
from .paths import models_dir
from .schema import Criterion, Trial


def annotations_dir() -> Path:
    return models_dir().parent / "annotations"


def load_gold(paths: Optional[Iterable[str | Path]] = None, split: Optional[str] = None) -> list[dict]:
    """Gold trials from JSONL files (default: annotations/gold/*.jsonl), optionally one split."""
    if paths is None:
        paths = sorted((annotations_dir() / "gold").glob("*.jsonl"))
    trials = []
    for p in paths:
        p = Path(p)
        files = sorted(p.glob("*.jsonl")) if p.is_dir() else [p]
        for f in files:
            with open(f, encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    if line.strip():
                        rec = json.loads(line)
                        rec["_source"] = f"{f}:{n}"
                        trials.append(rec)
    if split:
        ids = set(json.loads((annotations_dir() / "split.json").read_text(encoding="utf-8"))[split])
        trials = [t for t in trials if t["trial_id"] in ids]
    return trials


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def r(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"p": round(self.p, 4), "r": round(self.r, 4), "f1": round(self.f1, 4), "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Acc:
    ok: int = 0
    n: int = 0

    @property
    def value(self) -> float:
        return self.ok / self.n if self.n else 0.0

    def add(self, good: bool) -> None:
        self.n += 1
        self.ok += bool(good)

    def as_dict(self) -> dict[str, Any]:
        return {"accuracy": round(self.value, 4), "correct": self.ok, "n": self.n}


@dataclass
class Report:
    trials: int = 0
    gold_statements: int = 0
    predicted_statements: int = 0
    prf: dict[str, PRF] = field(default_factory=dict)
    acc: dict[str, Acc] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)

    def f(self, key: str) -> PRF:
        return self.prf.setdefault(key, PRF())

    def a(self, key: str) -> Acc:
        return self.acc.setdefault(key, Acc())

    def as_dict(self) -> dict[str, Any]:
        return {
            "trials": self.trials, "gold_statements": self.gold_statements,
            "predicted_statements": self.predicted_statements,
            "prf": {k: v.as_dict() for k, v in sorted(self.prf.items())},
            "accuracy": {k: v.as_dict() for k, v in sorted(self.acc.items())},
        }

    def table(self) -> str:
        lines = [f"trials {self.trials}, gold statements {self.gold_statements}, predicted {self.predicted_statements}", "",
                 f"{'span / presence':28} {'P':>6} {'R':>6} {'F1':>6}   (tp/fp/fn)"]
        for k, v in sorted(self.prf.items()):
            lines.append(f"{k:28} {v.p:6.3f} {v.r:6.3f} {v.f1:6.3f}   ({v.tp}/{v.fp}/{v.fn})")
        lines += ["", f"{'field (on matched statements)':36} {'accuracy':>8}   (correct/n)"]
        for k, v in sorted(self.acc.items()):
            lines.append(f"{k:36} {v.value:8.3f}   ({v.ok}/{v.n})")
        return "\n".join(lines)


def _num_eq(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)


def _overlap(a0, a1, b0, b1) -> bool:
    return a0 < b1 and b0 < a1


def _match(gold: list[dict], pred: list[Criterion]) -> list[tuple[Optional[dict], Optional[Criterion]]]:
    """One-to-one matching: exact span + subject first, then exact span, then overlap."""
    pairs = []
    used: set[int] = set()
    scored = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if not _overlap(g["start"], g["end"], p.start, p.end):
                continue
            score = 0.0
            if (g["start"], g["end"]) == (p.start, p.end):
                score += 4
            gs, ps = g.get("subject"), p.subject
            if gs and ps and _overlap(gs["start"], gs["end"], ps.start, ps.end):
                score += 2
            gc, pc = g.get("constraint"), p.constraint
            if gc and pc and gc.get("start") is not None and _overlap(gc["start"], gc["end"], pc.start, pc.end):
                score += 1  # statements sharing a span ("ALT and AST ≤ 2.5 × ULN (≤ 5 × ULN if ...)"): by constraint
            inter = min(g["end"], p.end) - max(g["start"], p.start)
            score += inter / max(g["end"] - g["start"], p.end - p.start, 1)
            scored.append((-score, gi, pi))
    scored.sort()
    g_used: set[int] = set()
    for _, gi, pi in scored:
        if gi in g_used or pi in used:
            continue
        g_used.add(gi)
        used.add(pi)
        pairs.append((gold[gi], pred[pi]))
    pairs += [(g, None) for gi, g in enumerate(gold) if gi not in g_used]
    pairs += [(None, p) for pi, p in enumerate(pred) if pi not in used]
    return pairs


def _constraint_fields(g: Optional[dict], p) -> dict[str, bool]:
    if g is None or p is None:
        return {}
    out = {"constraint.operator": (p.operator.value == g["operator"])}
    if g["operator"] == "in":
        out["constraint.value"] = sorted(p.values or []) == sorted(g.get("values") or [])
    elif g.get("qualitative"):
        out["constraint.value"] = p.qualitative == g["qualitative"]
    else:
        out["constraint.value"] = _num_eq(p.value, g.get("value")) and _num_eq(p.upper, g.get("upper"))
    out["constraint.unit"] = (p.unit_normalized or None) == (g.get("unit_normalized") or None)
    return out


def _temporal_ok(g: Optional[dict], p) -> bool:
    if g is None or p is None:
        return g is None and p is None
    return g["relation"] == p.relation and _num_eq(g.get("amount"), p.amount) and (g.get("unit") or None) == (p.unit or None)


def evaluate(gold_trials: list[dict], max_errors: int = 50) -> Report:
    """Run the pipeline on each gold trial's text and score it field by field."""
    rep = Report()
    for gt in gold_trials:
        trial = Trial(gt["trial_id"], gt.get("_source", "gold"), gt["criteria"])
        pred = build_criteria(trial)
        gold = gt["statements"]
        rep.trials += 1
        rep.gold_statements += len(gold)
        rep.predicted_statements += len(pred)
        # statement spans as sets (shared spans of distributed statements count once)
        gspans = {(g["start"], g["end"]) for g in gold}
        pspans = {(p.start, p.end) for p in pred}
        ex = rep.f("statement.span.exact")
        ex.tp += len(gspans & pspans)
        ex.fp += len(pspans - gspans)
        ex.fn += len(gspans - pspans)
        ov = rep.f("statement.span.overlap")
        ov.tp += sum(1 for g in gspans if any(_overlap(*g, *p) for p in pspans))
        ov.fn += sum(1 for g in gspans if not any(_overlap(*g, *p) for p in pspans))
        ov.fp += sum(1 for p in pspans if not any(_overlap(*g, *p) for g in gspans))
        for g, p in _match(gold, pred):
            _score_pair(rep, gt, g, p, max_errors)
    return rep


def _score_pair(rep: Report, gt: dict, g: Optional[dict], p: Optional[Criterion], max_errors: int) -> None:
    text = gt["criteria"]
    # presence scores: subject span, subject name, constraint, temporal
    gs = g.get("subject") if g else None
    ps = p.subject if p else None
    s_ex = rep.f("subject.span.exact")
    s_ov = rep.f("subject.span.overlap")
    if gs and ps:
        exact = (gs["start"], gs["end"]) == (ps.start, ps.end)
        s_ex.tp += exact
        s_ex.fp += not exact
        s_ex.fn += not exact
        ov = _overlap(gs["start"], gs["end"], ps.start, ps.end)
        s_ov.tp += ov
        s_ov.fp += not ov
        s_ov.fn += not ov
    elif gs:
        s_ex.fn += 1
        s_ov.fn += 1
    elif ps:
        s_ex.fp += 1
        s_ov.fp += 1
    gname = gs.get("name") if gs else None
    pname = ps.name if ps else None
    nm = rep.f("subject.name")
    if gname and pname:
        nm.tp += gname == pname
        nm.fp += gname != pname
        nm.fn += gname != pname
    elif gname:
        nm.fn += 1
    elif pname:
        nm.fp += 1
    gc = g.get("constraint") if g else None
    pc = p.constraint if p else None
    cp = rep.f("constraint.presence")
    cp.tp += bool(gc and pc)
    cp.fp += bool(pc and not gc)
    cp.fn += bool(gc and not pc)
    gtmp = g.get("temporal") if g else None
    ptmp = p.temporal if p else None
    tp = rep.f("temporal")
    ok_t = _temporal_ok(gtmp, ptmp)
    if gtmp and ptmp and ok_t:
        tp.tp += 1
    else:
        tp.fp += bool(ptmp)
        tp.fn += bool(gtmp)
    if g is None or p is None:
        if len(rep.errors) < max_errors:
            rep.errors.append({"trial": gt["trial_id"], "kind": "unmatched_gold" if g else "spurious",
                               "text": (g["text"] if g else p.text)[:160]})
        rep.a("statement.fully_correct").add(False) if g else None
        return
    fields = {
        "section": p.section.value == g["section"],
        "category": p.category.value == g["category"],
        "negated": p.negated == g["negated"],
        "polarity": p.polarity.value == g["polarity"],
        "computable": p.computable == g["computable"],
        "logic.op": (p.logic.op.value if p.logic else "AND") == ((g.get("logic") or {}).get("op") or "AND"),
    }
    cf = _constraint_fields(gc, pc)
    fields.update(cf)
    if gtmp or ptmp:
        fields["temporal.fields"] = ok_t
    if gs and ps:
        fields["subject.overlap"] = _overlap(gs["start"], gs["end"], ps.start, ps.end)
    for k, v in fields.items():
        rep.a(k).add(v)
    if g.get("exceptions") or p.exceptions:
        ep = rep.f("exceptions")
        gset = {(e["start"], e["end"]) for e in g.get("exceptions") or []}
        pset = {(e.start, e.end) for e in p.exceptions}
        ep.tp += len(gset & pset)
        ep.fp += len(pset - gset)
        ep.fn += len(gset - pset)
    full = all(fields.values()) and (gc is None) == (pc is None) and (g["start"], g["end"]) == (p.start, p.end)
    rep.a("statement.fully_correct").add(full)
    bad = [k for k, v in fields.items() if not v]
    if bad and len(rep.errors) < max_errors:
        rep.errors.append({"trial": gt["trial_id"], "kind": "fields", "fields": bad, "text": g["text"][:160],
                           "gold": {k: _gold_value(g, k) for k in bad}, "pred": {k: _pred_value(p, k) for k in bad}})


def _gold_value(g: dict, key: str):
    head, _, tail = key.partition(".")
    v = g.get(head)
    if isinstance(v, dict) and tail:
        if tail == "fields":
            return {k: v.get(k) for k in ("relation", "amount", "unit")}
        if tail == "value":
            return {k: v.get(k) for k in ("value", "upper", "values", "qualitative")}
        return v.get({"unit": "unit_normalized", "op": "op"}.get(tail, tail))
    return v


def _pred_value(p: Criterion, key: str):
    head, _, tail = key.partition(".")
    v = getattr(p, head, None)
    if v is None:
        return None
    if tail == "fields":
        return {"relation": v.relation, "amount": v.amount, "unit": v.unit}
    if tail == "value":
        return {"value": v.value, "upper": v.upper, "values": v.values, "qualitative": v.qualitative}
    if tail == "unit":
        return v.unit_normalized
    if tail == "operator":
        return v.operator.value
    if tail == "op":
        return v.op.value
    if tail == "overlap":
        return v.text
    return getattr(v, "value", v)
