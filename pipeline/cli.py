"""`eligibility` command line: each command parses options, calls one library function, prints."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Turn clinical-trial eligibility criteria into computable criteria.")


def _fmt_num(v) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def criteria_table(records) -> str:
    """A readable fixed-width table of criteria (used by `extract --show`)."""
    from .schema import Criterion

    rows = [("section", "subject", "op", "value", "unit", "temporal", "neg", "polarity", "category", "computable")]
    for r in records:
        if not isinstance(r, Criterion):
            rows.append(("ERROR", r.reason.value, "", "", "", "", "", "", "", r.message[:40]))
            continue
        c = r.constraint
        if c is None:
            op = val = unit = ""
        else:
            op = c.operator.value
            if c.operator.value == "between":
                val = f"{_fmt_num(c.value)}..{_fmt_num(c.upper)}"
            elif c.values:
                val = ",".join(_fmt_num(v) for v in c.values)
            else:
                val = c.qualitative or _fmt_num(c.value)
            unit = c.unit_normalized or c.unit or ""
        t = r.temporal
        temp = ""
        if t is not None:
            temp = " ".join(x for x in (t.relation, _fmt_num(t.amount), t.unit or "", t.anchor or "") if x)
        subj = (r.subject.name or r.subject.text) if r.subject else "-"
        comp = "yes" if r.computable else f"no ({r.reason.value if r.reason else '?'})"
        rows.append((r.section.value[:3] + (" reg" if r.source != "text" else ""), subj[:34], op, val, unit,
                     temp[:28], "yes" if r.negated else "", r.polarity.value, r.category.value, comp))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def progress_wanted(quiet: bool, stream=None, environ=None) -> bool:
    """A progress bar only for a person watching: not --quiet, not in CI, stderr a terminal."""
    stream = sys.stderr if stream is None else stream
    environ = os.environ if environ is None else environ
    in_ci = environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return not quiet and not in_ci and bool(getattr(stream, "isatty", lambda: False)())


class _ExtractProgress:
    """tqdm bar (trials/s, ETA) for `extract`; the total is counted by a background thread."""

    def __init__(self, count):
        import threading

        self.bar = None
        self.total = None
        self.resumed = 0

        def run():
            try:
                self.total = count()
            except Exception:  # noqa: BLE001 - no total, no ETA; the run itself reports errors
                pass

        threading.Thread(target=run, name="eligibility-count", daemon=True).start()

    def __call__(self, n: int, resumed: bool = False) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=self.total, initial=n if resumed else 0, unit=" trials", desc="extract",
                            file=sys.stderr, dynamic_ncols=True, smoothing=0.05, mininterval=0.5)
            if resumed:
                return
        if self.total is not None and self.bar.total != self.total:
            self.bar.total = self.total
        self.bar.update(n)

    def write(self, message: str) -> None:
        if self.bar is not None:
            self.bar.write(message, file=sys.stderr)
        else:
            typer.echo(message, err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@app.command()
def extract(
    inputs: List[Path] = typer.Argument(..., help="Registry files or directories (JSON, JSONL, XML, AACT, CSV/TSV, TXT; .gz/.zip/.tar.gz)."),
    output: Path = typer.Option(..., "-o", "--output", help="Output: .jsonl or .csv file, or .parquet directory of part files (picked by extension)."),
    input_format: Optional[str] = typer.Option(None, "--format", help="Force the input format (see `eligibility formats`)."),
    output_format: Optional[str] = typer.Option(None, "--to", help="Force the output format: jsonl, csv or parquet."),
    id_column: Optional[str] = typer.Option(None, help="CSV/TSV: the trial id column."),
    text_column: Optional[str] = typer.Option(None, help="CSV/TSV: the criteria text column."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Worker processes, 0 = one per CPU (output identical to --jobs 1)."),
    engine: str = typer.Option("local", "--engine", help="local (process pool) or dask (dask.distributed cluster)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="--engine dask: scheduler address (default: a local cluster of --jobs workers)."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run: keep its finished parts, compute the rest."),
    part_size: int = typer.Option(1000, "--part-size", help="Records per part (unit of resume, of Dask tasks, of Parquet part files)."),
    strict: bool = typer.Option(False, "--strict", help="Exit with status 1 when any record failed."),
    show: bool = typer.Option(False, "--show", help="Print a table of the extracted criteria."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors (no progress bar, no summary)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also log parts, resume and every error record (stderr)."),
):
    """Extract computable criteria from registry records into JSONL, CSV or Parquet (streaming,
    resumable; progress bar on a terminal)."""
    from .batch import ResumeError, count_records
    from .batch import extract as run

    bar = None
    if progress_wanted(quiet):
        bar = _ExtractProgress(lambda: count_records(inputs, input_format, id_column, text_column))
    log = None
    if verbose and not quiet:
        log = bar.write if bar is not None else (lambda m: typer.echo(m, err=True))
    try:
        summary = run(inputs, output, input_format=input_format, output_format=output_format,
                      id_column=id_column, text_column=text_column, jobs=jobs, engine=engine,
                      scheduler=scheduler, resume=resume, part_size=part_size, progress=bar, log=log)
    except ResumeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2)
    except KeyboardInterrupt:
        typer.echo(f"interrupted; finished parts are kept: rerun with --resume to continue {output}", err=True)
        raise typer.Exit(130)
    finally:
        if bar is not None:
            bar.close()
    if show:
        from .schema import record_from_json

        if str(output).endswith((".jsonl", ".json", ".ndjson")):
            with open(output, encoding="utf-8") as fh:
                typer.echo(criteria_table(record_from_json(line) for line in fh))
    if not quiet:
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(summary.error_reasons.items()))
        typer.echo(
            f"read {summary.read} records: {summary.ok} ok"
            + (f" ({summary.no_criteria} with no criteria)" if summary.no_criteria else "")
            + f", {summary.errors} errors"
            + (f" ({reasons})" if reasons else "")
            + f"; {summary.criteria} criteria -> {summary.output} (manifest: {summary.manifest})"
            + (f"; {summary.resumed} records kept from the interrupted run" if summary.resumed else ""),
            err=show,
        )
    if strict and summary.errors:
        raise typer.Exit(1)


@app.command()
def evaluate(
    gold: List[Path] = typer.Argument(None, help="Gold JSONL files or directories (default: annotations/gold/)."),
    split: Optional[str] = typer.Option(None, help="Only this split of annotations/split.json: dev or test."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
    errors: int = typer.Option(0, "--errors", help="Also print the first N errors with context."),
):
    """Score the pipeline against hand-annotated gold statements, field by field."""
    from .evaluate import evaluate as run, load_gold

    report = run(load_gold(gold or None, split=split), max_errors=max(errors, 0))
    if as_json:
        out = report.as_dict()
        if errors:
            out["errors"] = report.errors[:errors]
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    typer.echo(report.table())
    for e in report.errors[:errors]:
        typer.echo(json.dumps(e, ensure_ascii=False))


@app.command("to-brat")
def to_brat_cmd(
    txt_dir: Path = typer.Argument(..., help="Directory of bare .txt criteria documents."),
    output: Path = typer.Option(..., "-o", "--output", help="Directory for the .ann predictions."),
):
    """Write our predictions as brat standoff files (LCT schema), one .ann per .txt."""
    from .brat import to_brat

    n = to_brat(txt_dir, output)
    typer.echo(f"wrote {n} .ann files to {output}")


@app.command("evaluate-brat")
def evaluate_brat_cmd(
    gold_dir: Path = typer.Argument(..., help="Directory of brat .txt + .ann gold pairs (LCT schema)."),
    write_predictions: Optional[Path] = typer.Option(None, help="Also write our .ann predictions here."),
    ids: Optional[Path] = typer.Option(None, help="File listing the document ids to score (one per line)."),
    split: Optional[str] = typer.Option(None, help="Score only the 'dev' or 'heldout' part (1 in 5 ids by hash)."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
):
    """Score our predictions against brat gold: per-type spans and lab-threshold tuples."""
    from .brat import evaluate_brat

    id_list = [x.strip() for x in ids.read_text().split() if x.strip()] if ids else None
    report = evaluate_brat(gold_dir, write_predictions=write_predictions, ids=id_list, split=split)
    typer.echo(json.dumps(report.as_dict(), indent=2) if as_json else report.table())


@app.command()
def schema(output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write to a file instead of stdout.")):
    """Print the JSON Schema of one output record."""
    from .schema import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@app.command()
def formats():
    """List the input formats the readers understand."""
    from .readers import FORMATS

    for name in FORMATS:
        typer.echo(name)


def _register_optional_commands() -> None:
    """Commands whose work lives in their own modules (thin wrappers declared there)."""
    from .check import check_cli
    from .report import report_cli
    from .view import view_cli

    app.command("check")(check_cli)
    app.command("view")(view_cli)
    app.command("report")(report_cli)


_register_optional_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
