"""`eligibility report`: pandas summaries and PNG plots of a batch of extracted criteria.

Input: one or more outputs of `eligibility extract` (`.jsonl`, `.csv` or `.parquet`), read into
one flat frame with the columns of `COLUMNS` (the flat names of `pipeline.schema`).

What is counted (`summarize`):

* statements are the criterion records taken from the text (`source == "text"`); the fields
  copied from the registry (minimum/maximum age, sex) are counted apart, as `registry_fields`;
* the share of computable statements overall, per section, per category and per trial;
* the most frequent subjects (normalized names; unnamed subjects apart, by their lower-cased text);
* threshold distributions: every numeric bound of a statement, turned into a limit of the eligible
  range: `<`/`<=` in a required statement and `>`/`>=` in an excluding one are upper limits, the
  reverse are lower limits, `between` in a required statement gives both (`between` in an
  excluding statement, `=`, `~`, `in`, `normal` give none). Per subject the values are put in its
  most frequent unit (`pipeline.units.convert` for the others when commensurable; a value without
  a unit is never converted, the rest count as `other_units`);
* the most common reasons for non-computable statements, and error rows by reason.

Output (`write_report`): `index.html` (self-contained but for the PNGs beside it), `summary.md`,
the PNG plots (matplotlib, Agg) and one CSV per table.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional

import typer

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

COLUMNS = [
    "record",
    "trial_id",
    "source",
    "section",
    "category",
    "computable",
    "reason",
    "subject_name",
    "subject_text",
    "constraint_operator",
    "constraint_value",
    "constraint_upper",
    "constraint_unit_normalized",
    "polarity",
    "error_reason",
]
_NESTED = {  # flat column -> (object, key) in a JSONL record
    "subject_name": ("subject", "name"),
    "subject_text": ("subject", "text"),
    "constraint_operator": ("constraint", "operator"),
    "constraint_value": ("constraint", "value"),
    "constraint_upper": ("constraint", "upper"),
    "constraint_unit_normalized": ("constraint", "unit_normalized"),
}
UPPER_OPS = {"<", "<="}
LOWER_OPS = {">", ">="}
PLOTS = {
    "computable_by_section": "Computable statements per section",
    "computable_by_category": "Computable statements per category",
    "computable_per_trial": "Share of computable statements per trial",
    "top_subjects": "Most frequent subjects",
    "thresholds": "Threshold distributions of the most frequent subjects",
    "reasons": "Why statements are not computable",
}
GREEN, GREY, BLUE, ORANGE = "#2f9e44", "#ced4da", "#1971c2", "#e8590c"


# ---------------------------------------------------------------- reading


def _read_jsonl(path: Path) -> "pd.DataFrame":
    import pandas as pd

    cols: dict[str, list] = {c: [] for c in COLUMNS}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            d = json.loads(line)
            error = d.get("record") == "error"
            for c in COLUMNS:
                if c in _NESTED:
                    obj, key = _NESTED[c]
                    cols[c].append((d.get(obj) or {}).get(key))
                elif c == "error_reason":
                    cols[c].append(d.get("reason") if error else None)
                elif c in ("reason", "source") and error:
                    cols[c].append(None)
                else:
                    cols[c].append(d.get(c))
    return pd.DataFrame(cols)


def load_frame(paths: Sequence[str | Path]) -> "pd.DataFrame":
    """Outputs of `eligibility extract` (.jsonl/.ndjson/.json, .csv, .parquet file or directory of
    part files) -> one flat frame.

    Columns are `COLUMNS`; `computable` is a bool column (False for error rows).
    """
    import pandas as pd

    frames = []
    for p in map(Path, paths):
        name = p.name.lower()
        if name.endswith(".parquet"):
            import pyarrow.dataset as ds  # a file, or a directory of part files

            have = set(ds.dataset(str(p), format="parquet").schema.names)
            frame = pd.read_parquet(p, columns=[c for c in COLUMNS if c in have])
        elif name.endswith((".csv", ".csv.gz")):
            frame = pd.read_csv(p, usecols=lambda c: c in COLUMNS, low_memory=False)
        elif name.endswith((".jsonl", ".ndjson", ".json")):
            frame = _read_jsonl(p)
        else:
            raise ValueError(
                f"{p}: expected .jsonl, .csv or .parquet output of `eligibility extract`"
            )
        frames.append(frame.reindex(columns=COLUMNS))
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    truth = {True: True, False: False, "True": True, "False": False, "true": True, "false": False}
    df["computable"] = df["computable"].map(truth).eq(True)  # error rows (NaN) are False
    for c in ("constraint_value", "constraint_upper"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    if "record" in df:
        df["record"] = df["record"].fillna("criterion")
    return df


# ---------------------------------------------------------------- summaries (frames in, frames out)


@dataclass
class Summary:
    counts: dict[str, Any]
    by_section: "pd.DataFrame"
    by_category: "pd.DataFrame"
    per_trial: "pd.DataFrame"
    subjects: "pd.DataFrame"
    unnamed_subjects: "pd.DataFrame"
    bounds: "pd.DataFrame"
    thresholds: "pd.DataFrame"
    reasons: "pd.DataFrame"
    errors: "pd.DataFrame"
    tables: dict[str, "pd.DataFrame"] = field(default_factory=dict)


def share_table(df: "pd.DataFrame", by: str) -> "pd.DataFrame":
    """Statements, computable and share per value of `by`, largest first."""
    out = (
        df.groupby(by, dropna=False)["computable"]
        .agg(statements="size", computable="sum")
        .reset_index()
        .sort_values(["statements", by], ascending=[False, True], ignore_index=True)
    )
    out["computable"] = out["computable"].astype(int)
    out["share"] = out["computable"] / out["statements"]
    return out


def statements_of(df: "pd.DataFrame") -> "pd.DataFrame":
    return df[(df["record"] == "criterion") & (df["source"].fillna("text") == "text")]


def limits(stmts: "pd.DataFrame") -> "pd.DataFrame":
    """Numeric bounds of the statements as limits of the eligible range: columns trial_id,
    subject, side (`lower`/`upper`), value, unit (`""` when none)."""
    import pandas as pd

    s = stmts[stmts["subject_name"].notna() & stmts["constraint_value"].notna()]
    op, require = s["constraint_operator"], s["polarity"].fillna("require") == "require"
    unit = s["constraint_unit_normalized"].fillna("")
    base = pd.DataFrame({"trial_id": s["trial_id"], "subject": s["subject_name"], "unit": unit})
    single = op.isin(UPPER_OPS | LOWER_OPS)
    upper_side = op.isin(UPPER_OPS) == require
    one = base[single].assign(
        side=upper_side[single].map({True: "upper", False: "lower"}),
        value=s.loc[single, "constraint_value"],
    )
    between = (op == "between") & require & s["constraint_upper"].notna()
    low = base[between].assign(side="lower", value=s.loc[between, "constraint_value"])
    high = base[between].assign(side="upper", value=s.loc[between, "constraint_upper"])
    columns = ["trial_id", "subject", "side", "value", "unit"]
    parts = [p[columns] for p in (one, low, high) if len(p)]
    if not parts:
        dtypes = {c: "float64" if c == "value" else "object" for c in columns}
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})
    return pd.concat(parts, ignore_index=True)


def to_common_unit(bounds: "pd.DataFrame") -> "pd.DataFrame":
    """Per subject, values in its most frequent unit (a unit written beats none); adds `unit_main`
    and `value_main` (NaN when the value cannot be converted to it)."""
    import pandas as pd

    if bounds.empty:
        return bounds.assign(
            unit_main=pd.Series(dtype="str"), value_main=pd.Series(dtype="float64")
        )
    counts = bounds.groupby(["subject", "unit"]).size().reset_index(name="n")
    counts["has_unit"] = counts["unit"] != ""
    counts = counts.sort_values(
        ["subject", "has_unit", "n", "unit"], ascending=[True, False, False, True]
    )
    main = counts.drop_duplicates("subject").set_index("subject")["unit"]
    out = bounds.assign(unit_main=bounds["subject"].map(main))
    same = out["unit"] == out["unit_main"]
    value_main = out["value"].where(same)
    todo = out[~same & (out["unit"] != "") & (out["unit_main"] != "")]
    if not todo.empty:
        from .errors import UnitError
        from .units import convert

        cache: dict[tuple, float] = {}
        converted = []
        for subject, unit, target, value in zip(
            todo["subject"], todo["unit"], todo["unit_main"], todo["value"]
        ):
            key = (subject, unit, target, value)
            if key not in cache:
                try:
                    cache[key] = convert(value, unit, target, analyte=subject)
                except (UnitError, ValueError, KeyError):
                    cache[key] = math.nan
            converted.append(cache[key])
        value_main.loc[todo.index] = converted
    return out.assign(value_main=value_main)


def threshold_table(bounds: "pd.DataFrame") -> "pd.DataFrame":
    """Per subject: main unit, trials, and per side n / median / p25 / p75 / most common value."""
    import pandas as pd

    sides = ("lower", "upper")
    stats = ("n", "median", "p25", "p75", "mode")
    cols = ["subject", "unit", "trials", "bounds", "other_units"] + [
        f"{s}_{k}" for s in sides for k in stats
    ]
    if bounds.empty:
        return pd.DataFrame(columns=cols)
    ok = bounds[bounds["value_main"].notna()]
    per = bounds.groupby("subject").agg(unit=("unit_main", "first"), all_bounds=("value", "size"))
    per["trials"] = ok.groupby("subject")["trial_id"].nunique()
    per["bounds"] = ok.groupby("subject").size()
    per["other_units"] = per["all_bounds"] - per["bounds"].fillna(0)
    grouped = ok.groupby(["subject", "side"])["value_main"]
    side_stats = pd.DataFrame(
        {
            "n": grouped.size(),
            "median": grouped.median(),
            "p25": grouped.quantile(0.25),
            "p75": grouped.quantile(0.75),
        }
    )
    modes = (
        ok.groupby(["subject", "side", "value_main"])
        .size()
        .reset_index(name="k")
        .sort_values(["subject", "side", "k", "value_main"], ascending=[True, True, False, True])
        .drop_duplicates(["subject", "side"])
        .set_index(["subject", "side"])["value_main"]
    )
    side_stats["mode"] = modes
    wide = side_stats.unstack("side")
    for side in sides:
        for k in stats:
            per[f"{side}_{k}"] = wide[(k, side)] if (k, side) in wide.columns else math.nan
    out = per.reset_index()
    out["unit"] = out["unit"].replace("", "(none)")
    for c in ["trials", "bounds", "other_units", "lower_n", "upper_n"]:
        out[c] = out[c].fillna(0).astype(int)
    out = out[cols]
    return out.sort_values(
        ["trials", "bounds", "subject"], ascending=[False, False, True], ignore_index=True
    )


def summarize(df: "pd.DataFrame", top: int = 20) -> Summary:
    """All the tables of the report from a frame of `load_frame`."""
    import pandas as pd

    stmts = statements_of(df)
    crit = df[df["record"] == "criterion"]
    errors_df = df[df["record"] == "error"]
    n = len(stmts)
    by_section = share_table(stmts.assign(section=stmts["section"].fillna("unknown")), "section")
    overall = pd.DataFrame(
        {"section": ["all"], "statements": [n], "computable": [int(stmts["computable"].sum())]}
    )
    overall["share"] = overall["computable"] / n if n else math.nan
    by_section = pd.concat([overall, by_section], ignore_index=True) if len(by_section) else overall
    by_category = share_table(stmts.assign(category=stmts["category"].fillna("other")), "category")
    per_trial = share_table(stmts, "trial_id").rename(columns={"trial_id": "trial"})
    named = stmts[stmts["subject_name"].notna()]
    subjects = (
        named.groupby("subject_name")
        .agg(
            statements=("computable", "size"),
            trials=("trial_id", "nunique"),
            computable=("computable", "sum"),
        )
        .reset_index()
        .rename(columns={"subject_name": "subject"})
    )
    subjects["computable"] = subjects["computable"].astype(int)
    subjects["share"] = subjects["computable"] / subjects["statements"]
    subjects = subjects.sort_values(
        ["statements", "subject"], ascending=[False, True], ignore_index=True
    )
    unnamed = stmts[stmts["subject_name"].isna() & stmts["subject_text"].notna()]
    unnamed_subjects = (
        unnamed["subject_text"]
        .str.lower()
        .str.strip()
        .value_counts()
        .rename_axis("subject_text")
        .reset_index(name="statements")
        .head(top)
    )
    bounds = to_common_unit(limits(stmts))
    thresholds = threshold_table(bounds)
    not_ok = stmts[~stmts["computable"]]
    reasons = (
        not_ok["reason"]
        .fillna("(none)")
        .value_counts()
        .rename_axis("reason")
        .reset_index(name="statements")
    )
    reasons["share_of_non_computable"] = reasons["statements"] / max(len(not_ok), 1)
    errors = (
        errors_df["error_reason"]
        .fillna("(none)")
        .value_counts()
        .rename_axis("reason")
        .reset_index(name="rows")
    )
    trial_ids = set(crit["trial_id"].dropna()) | set(errors_df["trial_id"].dropna())
    counts = {
        "trials": len(trial_ids),
        "trials_with_statements": int(stmts["trial_id"].nunique()),
        "statements": n,
        "computable": int(stmts["computable"].sum()),
        "share_computable": (float(stmts["computable"].mean()) if n else math.nan),
        "registry_fields": int(len(crit) - n),
        "error_rows": int(len(errors_df)),
        "median_trial_share": float(per_trial["share"].median()) if len(per_trial) else math.nan,
    }
    summary = Summary(
        counts,
        by_section,
        by_category,
        per_trial,
        subjects.head(top),
        unnamed_subjects,
        bounds,
        thresholds,
        reasons.head(top),
        errors,
    )
    summary.tables = {
        "by_section": by_section,
        "by_category": by_category,
        "per_trial": per_trial,
        "subjects": subjects,
        "unnamed_subjects": unnamed_subjects,
        "thresholds": thresholds,
        "reasons": reasons,
        "errors": errors,
    }
    return summary


# ---------------------------------------------------------------- plots (matplotlib, Agg)


def _figure(width: float, height: float, layout: Optional[str] = "constrained"):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def _stacked_share(ax, table: "pd.DataFrame", label: str, title: str) -> None:
    """Horizontal bars: computable (green) + not computable (grey), with the share written."""
    t = table.iloc[::-1]
    labels = [str(x) for x in t[label]]
    ok, total = t["computable"].to_numpy(), t["statements"].to_numpy()
    ax.barh(labels, ok, color=GREEN, label="computable")
    ax.barh(labels, total - ok, left=ok, color=GREY, label="not computable")
    for y, (k, n) in enumerate(zip(ok, total)):
        ax.text(n, y, f" {k / n:.0%}" if n else "", va="center", fontsize=8)
    ax.set_xlim(0, max(total.max() if len(total) else 1, 1) * 1.12)
    ax.set_xlabel("statements")
    ax.set_title(title, fontsize=11)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.tick_params(axis="y", labelsize=8)


def plot_share(table: "pd.DataFrame", label: str, title: str, path: Path) -> None:
    fig = _figure(7, 0.8 + 0.28 * max(len(table), 2))
    _stacked_share(fig.subplots(), table, label, title)
    fig.savefig(path)


def plot_per_trial(per_trial: "pd.DataFrame", path: Path) -> None:
    from matplotlib.ticker import PercentFormatter

    fig = _figure(7, 3.6)
    ax = fig.subplots()
    shares = per_trial["share"].dropna().to_numpy()
    ax.hist(shares, bins=[i / 10 for i in range(11)], color=GREEN, edgecolor="white")
    if len(shares):
        median = float(per_trial["share"].median())
        ax.axvline(median, color="#212529", linestyle="--", linewidth=1)
        ax.text(median, ax.get_ylim()[1] * 0.95, f" median {median:.0%}", fontsize=8, va="top")
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of the trial's statements that are computable")
    ax.set_ylabel("trials")
    ax.set_title(f"Computable share per trial ({len(shares)} trials)", fontsize=11)
    fig.savefig(path)


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def plot_thresholds(
    bounds: "pd.DataFrame", thresholds: "pd.DataFrame", path: Path, panels: int = 12
) -> None:
    """Small multiples: how often each limit value occurs per subject (lower blue, upper orange)."""
    import numpy as np

    subjects = list(thresholds["subject"].head(panels))
    cols = 3
    rows = max(math.ceil(len(subjects) / cols), 1)
    height = 2.6 * rows + 0.6
    fig = _figure(11, height, layout=None)  # fixed margins: constrained layout costs seconds here
    fig.subplots_adjust(
        left=0.05, right=0.99, bottom=0.5 / height, top=1 - 0.55 / height, wspace=0.18, hspace=0.6
    )
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax in axes[len(subjects) :]:
        ax.set_axis_off()
    if not subjects:
        axes[0].text(0.5, 0.5, "no numeric thresholds", ha="center", va="center")
    for ax, subject in zip(axes, subjects):
        g = bounds[(bounds["subject"] == subject) & bounds["value_main"].notna()]
        unit = g["unit_main"].iloc[0] if len(g) else ""
        values = sorted(g["value_main"].unique())
        if len(values) <= 14:
            x = np.arange(len(values))
            for offset, side, color in ((-0.2, "lower", BLUE), (0.2, "upper", ORANGE)):
                counts = g[g["side"] == side]["value_main"].value_counts()
                ax.bar(
                    x + offset,
                    [counts.get(v, 0) for v in values],
                    width=0.4,
                    color=color,
                    label=side,
                )
            ax.set_xticks(
                x, [_fmt(v) for v in values], fontsize=7, rotation=45 if len(values) > 7 else 0
            )
        else:
            lo, hi = float(min(values)), float(max(values))
            bins = np.linspace(lo, hi, 21) if hi > lo else 10
            for side, color in (("lower", BLUE), ("upper", ORANGE)):
                v = g[g["side"] == side]["value_main"].to_numpy()
                if len(v):
                    ax.hist(v, bins=bins, color=color, alpha=0.65, label=side)
            ax.tick_params(axis="x", labelsize=7)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(
            f"{subject} ({unit or 'no unit'}), {g['trial_id'].nunique()} trials", fontsize=9
        )
        ax.legend(fontsize=7, frameon=False)
    fig.suptitle(
        "Limits of the eligible range (lower, upper) per subject, in its most frequent unit",
        fontsize=11,
    )
    fig.savefig(path)


def plot_counts(
    table: "pd.DataFrame", label: str, value: str, title: str, path: Path, color: str = BLUE
) -> None:
    fig = _figure(7, 0.8 + 0.28 * max(len(table), 2))
    ax = fig.subplots()
    t = table.iloc[::-1]
    values = t[value].to_numpy()
    ax.barh([str(x) for x in t[label]], values, color=color)
    for y, v in enumerate(values):
        ax.text(v, y, f" {v}", va="center", fontsize=8)
    ax.set_xlim(0, max(values.max() if len(values) else 1, 1) * 1.12)
    ax.set_xlabel(value)
    ax.set_title(title, fontsize=11)
    ax.tick_params(axis="y", labelsize=8)
    fig.savefig(path)


def write_plots(summary: Summary, output: Path, panels: int = 12) -> dict[str, Path]:
    paths = {name: output / f"{name}.png" for name in PLOTS}
    plot_share(
        summary.by_section,
        "section",
        PLOTS["computable_by_section"],
        paths["computable_by_section"],
    )
    plot_share(
        summary.by_category,
        "category",
        PLOTS["computable_by_category"],
        paths["computable_by_category"],
    )
    plot_per_trial(summary.per_trial, paths["computable_per_trial"])
    plot_share(summary.subjects, "subject", PLOTS["top_subjects"], paths["top_subjects"])
    plot_thresholds(summary.bounds, summary.thresholds, paths["thresholds"], panels)
    plot_counts(
        summary.reasons, "reason", "statements", PLOTS["reasons"], paths["reasons"], color=GREY
    )
    return paths


# ---------------------------------------------------------------- summary pages


def _cellfmt(v: Any, col: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if "share" in col and isinstance(v, (int, float)):
        return f"{v:.1%}"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def markdown_table(df: "pd.DataFrame") -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
    for row in df.itertuples(index=False):
        lines.append(
            "| " + " | ".join(_cellfmt(v, c).replace("|", "\\|") for v, c in zip(row, cols)) + " |"
        )
    return "\n".join(lines)


def html_table(df: "pd.DataFrame") -> str:
    cols = list(df.columns)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(_cellfmt(v, c))}</td>" for v, c in zip(row, cols))
        + "</tr>"
        for row in df.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _sections(
    summary: Summary, top: int
) -> list[tuple[str, Optional[str], Optional["pd.DataFrame"], str]]:
    """(heading, plot name, table, csv name) in page order."""
    return [
        (
            "Computable statements per section",
            "computable_by_section",
            summary.by_section,
            "by_section",
        ),
        (
            "Computable statements per category",
            "computable_by_category",
            summary.by_category,
            "by_category",
        ),
        ("Computable share per trial", "computable_per_trial", None, "per_trial"),
        (f"Most frequent subjects (top {top})", "top_subjects", summary.subjects, "subjects"),
        ("Threshold distributions", "thresholds", summary.thresholds.head(top), "thresholds"),
        ("Most common non-computable reasons", "reasons", summary.reasons, "reasons"),
        (
            f"Most frequent unnormalized subjects (top {top})",
            None,
            summary.unnamed_subjects,
            "unnamed_subjects",
        ),
        ("Error rows", None, summary.errors, "errors"),
    ]


def _overview(summary: Summary) -> list[str]:
    c = summary.counts
    share = "–" if math.isnan(c["share_computable"]) else f"{c['share_computable']:.1%}"
    median = "–" if math.isnan(c["median_trial_share"]) else f"{c['median_trial_share']:.0%}"
    return [
        f"{c['trials']} trials ({c['trials_with_statements']} with statements from the text), "
        f"{c['error_rows']} error rows",
        f"{c['statements']} statements from the text, {c['computable']} computable ({share}); "
        f"median per trial {median}",
        f"{c['registry_fields']} fields from the registry (age, sex) counted apart",
    ]


THRESHOLD_NOTE = (
    "Limits of the eligible range: `<`/`<=` in a required statement and `>`/`>=` in an "
    "excluding one are upper limits, the reverse lower limits; `between` in a required "
    "statement gives both. Values are in the subject's most frequent unit; `other_units` "
    "counts the values that could not be converted to it."
)


def summary_markdown(summary: Summary, top: int) -> str:
    out = (
        ["# Eligibility criteria report", ""] + [f"- {line}" for line in _overview(summary)] + [""]
    )
    for heading, plot, table, csv in _sections(summary, top):
        out += [f"## {heading}", ""]
        if plot:
            out += [f"![{heading}]({plot}.png)", ""]
        if plot == "thresholds":
            out += [THRESHOLD_NOTE, ""]
        if table is not None:
            out += [markdown_table(table) if len(table) else "(none)", ""]
        out += [f"All rows: [{csv}.csv]({csv}.csv)", ""]
    return "\n".join(out)


REPORT_CSS = """
body{margin:0 auto;max-width:1150px;padding:12px 20px;color:#212529;
  font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #dee2e6}
img{max-width:100%;height:auto;display:block;margin:8px 0}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0}
th,td{border-bottom:1px solid #e9ecef;padding:3px 8px;text-align:left}
th{background:#f1f3f5}
.note{color:#495057}
"""


def summary_html(summary: Summary, top: int) -> str:
    out = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<link rel="icon" href="data:,">'
        f"<title>Eligibility criteria report</title><style>{REPORT_CSS}</style></head><body>"
        "<h1>Eligibility criteria report</h1><ul>"
    ]
    out += [f"<li>{html.escape(line)}</li>" for line in _overview(summary)]
    out.append("</ul><nav><ul>")
    for heading, *_rest, csv in _sections(summary, top):
        out.append(f'<li><a href="#{csv}">{html.escape(heading)}</a></li>')
    out.append("</ul></nav>")
    for heading, plot, table, csv in _sections(summary, top):
        out.append(f'<section id="{csv}"><h2>{html.escape(heading)}</h2>')
        if plot:
            out.append(f'<img src="{plot}.png" alt="{html.escape(heading)}">')
        if plot == "thresholds":
            out.append(f'<p class="note">{html.escape(THRESHOLD_NOTE)}</p>')
        if table is not None:
            out.append(html_table(table) if len(table) else "<p>(none)</p>")
        out.append(f'<p class="note">All rows: <a href="{csv}.csv">{csv}.csv</a></p></section>')
    out.append("</body></html>\n")
    return "".join(out)


# ---------------------------------------------------------------- the command


@dataclass
class ReportFiles:
    output: str
    index: str
    markdown: str
    plots: dict[str, str]
    tables: dict[str, str]
    counts: dict[str, Any]


def write_report(
    summary: Summary, output: str | Path, top: int = 20, panels: int = 12
) -> ReportFiles:
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    plots = write_plots(summary, output, panels)
    tables = {}
    for name, table in summary.tables.items():
        path = output / f"{name}.csv"
        table.to_csv(path, index=False)
        tables[name] = str(path)
    md = output / "summary.md"
    md.write_text(summary_markdown(summary, top), encoding="utf-8")
    index = output / "index.html"
    index.write_text(summary_html(summary, top), encoding="utf-8")
    return ReportFiles(
        str(output),
        str(index),
        str(md),
        {k: str(v) for k, v in plots.items()},
        tables,
        summary.counts,
    )


def report(
    paths: Sequence[str | Path], output: str | Path, top: int = 20, panels: int = 12
) -> ReportFiles:
    """Read the outputs of `eligibility extract`, summarize them, write the report folder."""
    return write_report(summarize(load_frame(paths), top), output, top, panels)


def report_cli(
    results: List[Path] = typer.Argument(
        ..., help="Output(s) of `eligibility extract`: .jsonl, .csv or .parquet."
    ),
    output: Path = typer.Option(
        ...,
        "-o",
        "--output",
        help="Folder for the report: index.html, summary.md, PNG plots, CSV tables.",
    ),
    top: int = typer.Option(20, "--top", min=1, help="How many subjects and reasons to list."),
    panels: int = typer.Option(
        12, "--panels", min=1, help="How many subjects get a threshold plot."
    ),
):
    """Summarize a batch of extracted criteria: computable shares, subjects, thresholds, reasons."""
    try:
        files = report(results, output, top=top, panels=panels)
    except ModuleNotFoundError as exc:  # matplotlib is the optional `report` extra
        hint = "pip install 'eligibility-pipeline[report]'"
        typer.echo(f"error: {exc.name} is missing: {hint}", err=True)
        raise typer.Exit(1) from None
    except (OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    c = files.counts
    share = (
        "" if math.isnan(c["share_computable"]) else f" ({c['share_computable']:.1%} computable)"
    )
    typer.echo(
        f"{c['trials']} trials, {c['statements']} statements{share} -> {files.index} "
        f"(+ summary.md, {len(files.plots)} plots, {len(files.tables)} tables)"
    )
