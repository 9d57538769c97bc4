"""`eligibility view`: static, self-contained HTML pages of extracted criteria.

Each trial page shows the criteria text with the statements, subjects, constraints, temporal
windows, negation cues, exceptions and conditions highlighted (escaped text and nested `<mark>`
elements), and beside it the table of computable criteria with their expressions and reasons.
The pages have inline CSS, no script and no external resource, so they open from disk anywhere.

Where the criteria text comes from (records carry their statements with offsets, not the whole
document), per trial, first match wins:

1. `inputs`: the original registry files, read with `pipeline.read`;
2. the inputs listed in `RESULTS.manifest.jsonl` (written by `eligibility extract`), when those
   files still exist (relative to the working directory or to the results file);
3. otherwise "statements only": each statement's own text, highlighted, in document order.

A text is used only when every statement of the trial matches it (`text[start:end] ==
record.text`); a trial whose text does not match falls back to statements only, with a note.

Output layout: `-o NAME.html` writes one page (with an index of links at the top when it holds more
than one trial); any other `-o` is a folder with `index.html` linking one page per trial.

The functions below are pure (records and text in, HTML out) except `load_results`,
`load_texts`, `manifest_inputs` and `view`, which read and write files.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import html
import json
import re
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional

import typer

from .schema import Criterion, ErrorRow, Trial, _strip_optional

# kind -> (css class, legend label); the order is the nesting order, outermost first
LAYERS: dict[str, tuple[str, str]] = {
    "statement": ("st", "statement"),
    "subject": ("sj", "subject"),
    "constraint": ("cn", "constraint"),
    "temporal": ("tm", "temporal window"),
    "negation": ("ng", "negation cue"),
    "exception": ("ex", "exception"),
    "condition": ("cd", "condition"),
}
_ORDER = {kind: i for i, kind in enumerate(LAYERS)}

CSS = """
*{box-sizing:border-box}
body{margin:0;color:#212529;background:#f8f9fa;
  font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
header.top{padding:10px 18px;background:#fff;border-bottom:1px solid #dee2e6}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:15px;margin:0 0 8px;color:#495057}
.meta{color:#495057;margin:0 0 6px}
.note{color:#a61e4d}
a{color:#1864ab}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;font-size:13px;line-height:2.4}
.legend .key{white-space:nowrap}
article.trial{padding:0 0 24px}
article.trial>header{padding:10px 18px 0}
.split{display:grid;grid-template-columns:minmax(0,0.9fr) minmax(0,1.5fr);
  gap:14px;padding:10px 18px}
@media (max-width:900px){.split{grid-template-columns:minmax(0,1fr)}}
.pane{background:#fff;border:1px solid #dee2e6;border-radius:6px;padding:10px 12px;
  overflow:auto;max-height:calc(100vh - 40px)}
.criteria{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;
  font:14px/2.5 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
ol.statements{margin:0;padding-left:0;list-style:none;line-height:2.5}
ol.statements li{margin:0 0 2px}
ol.statements .sec{font-weight:600;color:#495057;margin-top:6px}
.num{display:inline-block;min-width:2.2em;color:#868e96;font-size:12px}
.path{color:#868e96;font-size:12px}
mark{background:none;color:inherit;padding:0}
mark.st{background:#fff3bf;border-radius:2px}
mark.st.ok{background:#d3f9d8}
mark.sj{border-bottom:3px solid #1971c2;padding-bottom:1px}
mark.cn{border-bottom:3px solid #9c36b5;padding-bottom:5px}
mark.tm{border-bottom:3px solid #e8590c;padding-bottom:9px}
mark.ng{background:#ffc9c9;color:#c92a2a;font-weight:700;outline:1px solid #e03131}
mark.ex{border-top:2px dashed #495057}
mark.cd{border-top:2px dotted #0c8599}
:target{outline:2px solid #f08c00}
table{border-collapse:collapse;width:100%;font-size:12px}
th,td{border-bottom:1px solid #e9ecef;padding:3px 5px;text-align:left;vertical-align:top}
th{position:sticky;top:0;background:#f1f3f5;z-index:1}
tr.ok td.comp{color:#2b8a3e;font-weight:600}
tr.no td.comp{color:#c92a2a}
td.stmt{min-width:11em;max-width:20em}
td.ext{min-width:9em;max-width:16em;overflow-wrap:break-word}
td.expr{min-width:12em;overflow-wrap:anywhere}
td.expr code{white-space:normal}
td.sec{white-space:nowrap}
.cat{color:#868e96}
.k-sj{color:#1864ab}
.k-tm{color:#d9480f}
code{background:#f1f3f5;padding:0 3px;border-radius:3px;
  font:12px ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
.muted{color:#adb5bd}
table.index{max-width:1100px;background:#fff}
nav.index{padding:10px 18px}
ul.registry{margin:4px 0 0;padding-left:18px}
"""


# ---------------------------------------------------------------- data


@dataclass
class TrialResults:
    """The records of one trial in RESULTS, in file order."""

    trial_id: str
    criteria: list[Criterion] = field(default_factory=list)
    errors: list[ErrorRow] = field(default_factory=list)


@dataclass
class Layer:
    """One highlighted span: absolute offsets into the criteria text and the statement number."""

    kind: str
    start: int
    end: int
    ref: int  # 1-based number of the statement (row of the table)
    title: str = ""
    computable: bool = False


@dataclass
class ViewSummary:
    output: str
    pages: list[str] = field(default_factory=list)
    trials: int = 0
    with_text: int = 0  # trials shown on their original criteria text
    statements_only: int = 0  # trials shown as statements only
    mismatched: list[str] = field(default_factory=list)  # trials whose input text did not match


# ---------------------------------------------------------------- formatting helpers


def _num(v: Optional[float]) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def constraint_label(c: Criterion) -> str:
    """`<= 1.5 {ULN}`, `between 3..18 a`, `in 0,1,2`, `= positive`: the constraint in one line."""
    k = c.constraint
    if k is None:
        return ""
    op = k.operator.value
    if op == "between":
        value = f"{_num(k.value)}..{_num(k.upper)}"
    elif k.values:
        value = ",".join(_num(v) for v in k.values)
    else:
        value = k.qualitative or _num(k.value)
    unit = k.unit_normalized or k.unit or ""
    return " ".join(x for x in (op, value, unit) if x)


def temporal_label(c: Criterion) -> str:
    t = c.temporal
    if t is None:
        return ""
    amount = _num(t.amount) + (f"..{_num(t.upper)}" if t.upper is not None else "")
    return " ".join(x for x in (t.relation, amount, t.unit or "", t.anchor or "") if x)


def subject_label(c: Criterion) -> str:
    s = c.subject
    if s is None:
        return ""
    return s.name or s.text


def statement_title(n: int, c: Criterion) -> str:
    parts = [f"#{n}", c.category.value]
    subject = subject_label(c)
    if subject:
        parts.append(" ".join(x for x in (subject, constraint_label(c)) if x))
    parts.append(
        "computable" if c.computable else f"not computable: {c.reason.value if c.reason else '?'}"
    )
    if c.expression:
        parts.append(c.expression)
    return " · ".join(parts)


def slug(trial_id: str) -> str:
    """A file-name and HTML-id safe form of a trial id."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", trial_id) or "_"


# ---------------------------------------------------------------- highlighting


def layers_of(n: int, c: Criterion) -> list[Layer]:
    """The highlighted spans of statement `n` (absolute offsets; none for registry fields)."""
    if c.start < 0:
        return []
    out = [Layer("statement", c.start, c.end, n, statement_title(n, c), c.computable)]
    if c.subject is not None and c.subject.start >= 0:
        code = f" ({c.subject.code})" if c.subject.code else ""
        out.append(
            Layer(
                "subject", c.subject.start, c.subject.end, n, f"subject: {subject_label(c)}{code}"
            )
        )
    if c.constraint is not None and c.constraint.start >= 0:
        out.append(
            Layer(
                "constraint",
                c.constraint.start,
                c.constraint.end,
                n,
                f"constraint: {constraint_label(c)}",
            )
        )
    if c.temporal is not None and c.temporal.start >= 0:
        out.append(
            Layer("temporal", c.temporal.start, c.temporal.end, n, f"temporal: {temporal_label(c)}")
        )
    if c.negation_cue is not None and c.negation_cue.start >= 0:
        out.append(Layer("negation", c.negation_cue.start, c.negation_cue.end, n, "negation cue"))
    for e in c.exceptions:
        if e.start >= 0:
            out.append(Layer("exception", e.start, e.end, n, "exception"))
    if c.condition is not None and c.condition.start >= 0:
        out.append(Layer("condition", c.condition.start, c.condition.end, n, "condition"))
    return out


def highlight(text: str, layers: Sequence[Layer], offset: int = 0, anchor: str = "") -> str:
    """Escaped `text` with every layer as a `<mark>`; `text` starts at absolute `offset`.

    Overlapping layers are split at every boundary; each piece is wrapped in one mark per active
    kind, nested in `LAYERS` order. Statement marks carry the statement numbers (`data-s`), a
    `title`, the class `ok` when every statement covering the piece is computable, and, on a
    statement's first piece, the id `{anchor}-s{n}` that the table links to.
    """
    size = len(text)
    spans = []
    for layer in layers:
        s, e = max(layer.start - offset, 0), min(layer.end - offset, size)
        if s < e:
            spans.append((s, e, layer))
    bounds = sorted({0, size, *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    starts: dict[int, list] = {}
    for item in spans:
        starts.setdefault(item[0], []).append(item)
    active: list = []
    first_seen: set[int] = set()
    out: list[str] = []
    for a, b in zip(bounds, bounds[1:]):
        active = [x for x in active if x[1] > a] + starts.get(a, [])
        piece = html.escape(text[a:b], quote=False)
        if not active:
            out.append(piece)
            continue
        by_kind: dict[str, list[Layer]] = {}
        for _, _, layer in active:
            by_kind.setdefault(layer.kind, []).append(layer)
        for kind in sorted(by_kind, key=_ORDER.__getitem__, reverse=True):
            group = by_kind[kind]
            css = LAYERS[kind][0]
            title = html.escape(" | ".join(dict.fromkeys(x.title for x in group)))
            attrs = f' title="{title}"'
            if kind == "statement":
                refs = sorted({x.ref for x in group})
                if all(x.computable for x in group):
                    css += " ok"
                new = [r for r in refs if r not in first_seen] if anchor else []
                first_seen.update(new)
                ident = f' id="{anchor}-s{new[0]}"' if new else ""
                attrs = f'{ident} data-s="{" ".join(map(str, refs))}"' + attrs
                piece = "".join(f'<a id="{anchor}-s{r}"></a>' for r in new[1:]) + piece
            piece = f'<mark class="{css}"{attrs}>{piece}</mark>'
        out.append(piece)
    return "".join(out)


def mismatches(text: str, criteria: Iterable[Criterion]) -> list[Criterion]:
    """Statements whose offsets do not point at their text in `text`."""
    return [c for c in criteria if c.start >= 0 and text[c.start : c.end] != c.text]


# ---------------------------------------------------------------- HTML pieces


def legend_html() -> str:
    keys = [
        '<span class="key"><mark class="st ok">computable statement</mark></span>',
        '<span class="key"><mark class="st">non-computable statement</mark></span>',
    ]
    for kind, (css, label) in LAYERS.items():
        if kind != "statement":
            keys.append(f'<span class="key"><mark class="{css}">{html.escape(label)}</mark></span>')
    return '<div class="legend">' + "".join(keys) + "</div>"


def _cell(value: str, code: bool = False, css: str = "") -> str:
    if not value:
        return '<td class="muted">–</td>'
    inner = html.escape(value)
    cls = f' class="{css}"' if css else ""
    return f"<td{cls}><code>{inner}</code></td>" if code else f"<td{cls}>{inner}</td>"


def _extracted_cell(c: Criterion) -> str:
    """Subject, constraint and temporal window of a record, one per line."""
    lines = []
    if c.subject is not None:
        lines.append(f'<span class="k-sj">{html.escape(subject_label(c))}</span>')
    if c.constraint is not None:
        lines.append(f"<code>{html.escape(constraint_label(c))}</code>")
    if c.temporal is not None:
        lines.append(f'<span class="k-tm">{html.escape(temporal_label(c))}</span>')
    return f'<td class="ext">{"<br>".join(lines)}</td>' if lines else '<td class="muted">–</td>'


def criteria_table(criteria: Sequence[Criterion], anchor: str) -> str:
    """The table of records, numbered like the highlights: where, what was extracted, whether it
    is computable (or why not) and its expression."""
    head = (
        "#",
        "section",
        "statement",
        "subject / constraint / temporal",
        "polarity",
        "computable / reason",
        "expression",
    )
    rows = [
        '<table class="criteria-table"><thead><tr>'
        + "".join(f"<th>{h}</th>" for h in head)
        + "</tr></thead><tbody>"
    ]
    for n, c in enumerate(criteria, 1):
        ok = "ok" if c.computable else "no"
        link = f'<a href="#{anchor}-s{n}">{n}</a>' if c.start >= 0 else str(n)
        if c.source == "text":
            section = _joined(c.section.value[:3], c.item_path)
        else:
            section = c.source
        polarity = c.polarity.value + (" (negated)" if c.negated else "")
        comp = "yes" if c.computable else f"no: {c.reason.value if c.reason else '?'}"
        rows.append(
            f'<tr id="{anchor}-r{n}" class="{ok}"><td>{link}</td>'
            f'<td class="sec">{html.escape(section)}<br>'
            f'<span class="cat">{html.escape(c.category.value)}</span></td>'
            f'<td class="stmt">{html.escape(c.text)}</td>'
            + _extracted_cell(c)
            + _cell(polarity)
            + f'<td class="comp">{html.escape(comp)}</td>'
            + _cell(c.expression or "", code=True, css="expr")
            + "</tr>"
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _joined(*parts: str) -> str:
    return " ".join(x for x in parts if x)


def _registry_html(criteria: Sequence[Criterion], anchor: str) -> str:
    items = [(n, c) for n, c in enumerate(criteria, 1) if c.start < 0]
    if not items:
        return ""
    lis = "".join(
        f'<li><a href="#{anchor}-r{n}">#{n}</a> {html.escape(c.text)} '
        f"<code>{html.escape(_joined(subject_label(c), constraint_label(c)))}</code></li>"
        for n, c in items
    )
    return f'<h2>Registry fields</h2><ul class="registry">{lis}</ul>'


def statements_html(criteria: Sequence[Criterion], anchor: str) -> str:
    """Statements-only view: each statement's own text, highlighted, grouped by section."""
    out = ['<ol class="statements">']
    section = None
    for n, c in enumerate(criteria, 1):
        if c.start < 0:
            continue
        if c.section.value != section:
            section = c.section.value
            out.append(f'<li class="sec">{html.escape(section.capitalize())}</li>')
        path = f' <span class="path">item {html.escape(c.item_path)}</span>' if c.item_path else ""
        marked = highlight(c.text, layers_of(n, c), c.start, anchor)
        out.append(f'<li><span class="num">{n}</span>{marked}{path}</li>')
    out.append("</ol>")
    return "".join(out)


def trial_html(
    results: TrialResults,
    text: Optional[str],
    source: str = "",
    note: str = "",
    heading: str = "h1",
) -> str:
    """One trial: header with counts, the highlighted text (or statements) beside the table.

    `text` is the whole criteria document (offsets of the records point into it) or None for the
    statements-only view. `source` says where the text came from.
    """
    anchor = "t-" + slug(results.trial_id)
    crit = results.criteria
    text_rows = [c for c in crit if c.source == "text"]
    n_ok = sum(c.computable for c in text_rows)
    share = f" ({n_ok / len(text_rows):.0%})" if text_rows else ""
    meta = [f"{len(text_rows)} statements from the text, {n_ok} computable{share}"]
    if len(crit) > len(text_rows):
        meta.append(f"{len(crit) - len(text_rows)} registry fields")
    meta.append(
        f"text: {source}" if text is not None else "statements only (no criteria text given)"
    )
    parts = [
        f'<article class="trial" id="{anchor}"><header>'
        f"<{heading}>{html.escape(results.trial_id)}</{heading}>"
        f'<p class="meta">{html.escape(" · ".join(meta))}</p>'
    ]
    if note:
        parts.append(f'<p class="note">{html.escape(note)}</p>')
    for e in results.errors:
        parts.append(
            f'<p class="note">error ({html.escape(e.reason.value)}): {html.escape(e.message)}</p>'
        )
    parts.append('</header><div class="split"><section class="pane text-pane">')
    if text is not None:
        layers = [x for n, c in enumerate(crit, 1) for x in layers_of(n, c)]
        # the newline after <pre> is dropped by HTML parsers, so a text starting with one keeps it
        marked = highlight(text, layers, 0, anchor)
        parts.append(f'<h2>Criteria text</h2><pre class="criteria">\n{marked}</pre>')
    else:
        parts.append(f"<h2>Statements</h2>{statements_html(crit, anchor)}")
    parts.append(_registry_html(crit, anchor))
    parts.append(
        f'</section><section class="pane table-pane"><h2>Computable criteria</h2>'
        f"{criteria_table(crit, anchor)}</section></div></article>"
    )
    return "".join(parts)


def page(title: str, body: str) -> str:
    """A complete HTML document with the inline stylesheet and no external resource."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def index_table(rows: Sequence[tuple[str, str, TrialResults, str]]) -> str:
    """Rows (trial id, href, results, text mode) -> a table linking every trial."""
    out = [
        '<table class="index"><thead><tr><th>trial</th><th>statements</th><th>computable</th>'
        "<th>share</th><th>registry fields</th><th>errors</th><th>text</th></tr></thead><tbody>"
    ]
    for trial_id, href, res, mode in rows:
        text_rows = [c for c in res.criteria if c.source == "text"]
        ok = sum(c.computable for c in text_rows)
        share = f"{ok / len(text_rows):.0%}" if text_rows else "–"
        errors = ", ".join(e.reason.value for e in res.errors)
        out.append(
            f'<tr><td><a href="{html.escape(href)}">{html.escape(trial_id)}</a></td>'
            f"<td>{len(text_rows)}</td><td>{ok}</td><td>{share}</td>"
            f"<td>{len(res.criteria) - len(text_rows)}</td><td>{html.escape(errors)}</td>"
            f"<td>{html.escape(mode)}</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


# ---------------------------------------------------------------- reading


def _identity(value: Any) -> Any:
    return value


def _converter(tp: Any) -> Callable[[Any], Any]:
    """A JSON value -> field value function for type `tp`, as `schema._from` decides it."""
    base, _ = _strip_optional(tp)
    if dataclasses.is_dataclass(base):
        return lambda v: None if v is None else _decode(base, v)
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return lambda v: None if v is None else base(v)
    if typing.get_origin(base) is list:
        inner = _converter(typing.get_args(base)[0])
        return lambda v: None if v is None else [inner(x) for x in v]
    if base is float:
        return lambda v: float(v) if isinstance(v, int) and not isinstance(v, bool) else v
    return _identity


@functools.cache
def _plan(cls: type) -> dict[str, Callable[[Any], Any]]:
    hints = typing.get_type_hints(cls)
    return {f.name: _converter(hints[f.name]) for f in dataclasses.fields(cls)}


def _decode(cls: type, data: dict[str, Any]) -> Any:
    plan = _plan(cls)
    try:
        return cls(**{k: plan[k](v) for k, v in data.items()})
    except KeyError:
        unknown = sorted(set(data) - set(plan))
        raise ValueError(f"{cls.__name__}: unknown field(s) {unknown}") from None


def parse_record(line: str) -> Criterion | ErrorRow:
    """`schema.record_from_json` with the type plan built once per class (about 10x faster on
    large batches; the tests check that both give equal records)."""
    data = json.loads(line)
    kind = data.pop("record", "criterion")
    return _decode(ErrorRow if kind == "error" else Criterion, data)


def load_results(
    path: str | Path, trials: Optional[Iterable[str]] = None
) -> dict[str, TrialResults]:
    """Records of a JSONL file from `eligibility extract`, grouped by trial in file order.

    With `trials`, only those trials are parsed (a cheap substring test skips the other lines).
    Error rows without a trial id are kept under the id "(unidentified)".
    """
    wanted = set(trials) if trials else None
    out: dict[str, TrialResults] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            if wanted is not None and not any(f'"{t}"' in line for t in wanted):
                continue
            rec = parse_record(line)
            trial_id = rec.trial_id or "(unidentified)"
            if wanted is not None and trial_id not in wanted:
                continue
            res = out.setdefault(trial_id, TrialResults(trial_id))
            (res.criteria if isinstance(rec, Criterion) else res.errors).append(rec)
    return out


_SOURCE_SUFFIX = re.compile(r"(?::(?:line|item) \d+)$")


def manifest_inputs(results: str | Path, trials: Optional[Iterable[str]] = None) -> list[Path]:
    """The input files named in `RESULTS.manifest.jsonl` that still exist (optionally only those
    holding `trials`), resolved against the working directory, then the results' folder."""
    results = Path(results)
    manifest = results.with_name(results.name + ".manifest.jsonl")
    if not manifest.is_file():
        return []
    wanted = set(trials) if trials else None
    found: dict[Path, None] = {}
    with open(manifest, encoding="utf-8") as fh:
        for line in fh:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if wanted is not None and entry.get("trial_id") not in wanted:
                continue
            source = _SOURCE_SUFFIX.sub("", str(entry.get("source") or "")).split("!", 1)[0]
            if not source:
                continue
            for candidate in (Path(source), results.parent / source):
                if candidate.exists():
                    found[candidate] = None
                    break
    return list(found)


def load_texts(
    inputs: Sequence[str | Path],
    trials: Optional[Iterable[str]] = None,
    input_format: Optional[str] = None,
    id_column: Optional[str] = None,
    text_column: Optional[str] = None,
) -> dict[str, Trial]:
    """`Trial`s read from registry files with `pipeline.read` (unreadable records are skipped)."""
    from .readers import read

    wanted = set(trials) if trials else None
    out: dict[str, Trial] = {}
    for rec in read(
        [str(p) for p in inputs], format=input_format, id_column=id_column, text_column=text_column
    ):
        if isinstance(rec, Trial) and (wanted is None or rec.trial_id in wanted):
            out.setdefault(rec.trial_id, rec)
    return out


# ---------------------------------------------------------------- the command


def _text_for(res: TrialResults, trial: Optional[Trial]) -> tuple[Optional[str], str, str]:
    """(text or None, source description, note) for one trial."""
    if trial is None:
        return None, "", ""
    bad = mismatches(trial.criteria, res.criteria)
    if bad:
        return (
            None,
            "",
            (
                f"the criteria text of {trial.source} does not match {len(bad)} statement(s) "
                f"of the results (first: {bad[0].criterion_id}); showing statements only"
            ),
        )
    return trial.criteria, trial.source, ""


def view(
    results: str | Path,
    output: str | Path,
    trials: Optional[Sequence[str]] = None,
    inputs: Optional[Sequence[str | Path]] = None,
    statements_only: bool = False,
    input_format: Optional[str] = None,
    id_column: Optional[str] = None,
    text_column: Optional[str] = None,
) -> ViewSummary:
    """Write HTML views of RESULTS: `output` ending in `.html` is one page, else a folder.

    Raises KeyError when a requested trial is not in RESULTS.
    """
    output = Path(output)
    grouped = load_results(results, trials)
    if trials:
        missing = [t for t in trials if t not in grouped]
        if missing:
            raise KeyError(f"not in {results}: {', '.join(missing)}")
        grouped = {t: grouped[t] for t in dict.fromkeys(trials)}
    texts: dict[str, Trial] = {}
    if not statements_only:
        sources = list(inputs) if inputs else manifest_inputs(results, trials)
        if sources:
            texts = load_texts(sources, grouped.keys(), input_format, id_column, text_column)
    summary = ViewSummary(output=str(output), trials=len(grouped))
    shown: list[tuple[TrialResults, Optional[str], str, str]] = []
    for trial_id, res in grouped.items():
        text, source, note = _text_for(res, texts.get(trial_id))
        if note:
            summary.mismatched.append(trial_id)
        if text is None:
            summary.statements_only += 1
        else:
            summary.with_text += 1
        shown.append((res, text, source, note))

    def mode(text: Optional[str]) -> str:
        return "original text" if text is not None else "statements only"

    if output.suffix.lower() in (".html", ".htm"):
        output.parent.mkdir(parents=True, exist_ok=True)
        if len(shown) == 1:
            res, text, source, note = shown[0]
            body = f'<header class="top">{legend_html()}</header>' + trial_html(
                res, text, source, note
            )
            title = res.trial_id
        else:
            rows = [(r.trial_id, "#t-" + slug(r.trial_id), r, mode(t)) for r, t, _, _ in shown]
            title = f"Eligibility criteria: {len(shown)} trials"
            body = (
                f'<header class="top"><h1>{html.escape(title)}</h1>{legend_html()}'
                f'</header><nav class="index">{index_table(rows)}</nav>'
                + "".join(trial_html(r, t, s, n, heading="h2") for r, t, s, n in shown)
            )
        output.write_text(page(title, body), encoding="utf-8")
        summary.pages.append(str(output))
        return summary

    output.mkdir(parents=True, exist_ok=True)
    used: set[str] = {"index"}
    rows = []
    for res, text, source, note in shown:
        name = slug(res.trial_id)
        base, k = name, 1
        while name.lower() in used:
            k += 1
            name = f"{base}-{k}"
        used.add(name.lower())
        body = (
            f'<header class="top"><a href="index.html">← all trials</a>{legend_html()}</header>'
            + trial_html(res, text, source, note)
        )
        target = output / f"{name}.html"
        target.write_text(page(res.trial_id, body), encoding="utf-8")
        summary.pages.append(str(target))
        rows.append((res.trial_id, f"{name}.html", res, mode(text)))
    title = f"Eligibility criteria: {len(shown)} trials"
    index = output / "index.html"
    index.write_text(
        page(
            title,
            f'<header class="top"><h1>{html.escape(title)}</h1></header>'
            f'<nav class="index">{index_table(rows)}</nav>',
        ),
        encoding="utf-8",
    )
    summary.pages.insert(0, str(index))
    return summary


def view_cli(
    results: Path = typer.Argument(..., help="JSONL output of `eligibility extract`."),
    output: Path = typer.Option(
        ...,
        "-o",
        "--output",
        help="A .html file (one page), or a folder (index.html + one page per trial).",
    ),
    trial: Optional[List[str]] = typer.Option(
        None, "--trial", "-t", help="Only this trial id (repeatable)."
    ),
    inputs: Optional[List[Path]] = typer.Option(
        None,
        "--input",
        "-i",
        help="The original registry file(s), for the whole criteria text (default: the inputs in "
        "RESULTS.manifest.jsonl when they exist).",
    ),
    statements_only: bool = typer.Option(
        False, "--statements-only", help="Show the statements only, not the whole criteria text."
    ),
    input_format: Optional[str] = typer.Option(
        None, "--format", help="Force the input format (see `eligibility formats`)."
    ),
    id_column: Optional[str] = typer.Option(None, help="CSV/TSV input: the trial id column."),
    text_column: Optional[str] = typer.Option(
        None, help="CSV/TSV input: the criteria text column."
    ),
):
    """Write static HTML pages: the criteria text with highlights beside the table of criteria."""
    try:
        summary = view(
            results,
            output,
            trials=trial or None,
            inputs=inputs or None,
            statements_only=statements_only,
            input_format=input_format,
            id_column=id_column,
            text_column=text_column,
        )
    except KeyError as exc:
        typer.echo(f"error: {exc.args[0]}", err=True)
        raise typer.Exit(1) from None
    for trial_id in summary.mismatched:
        typer.echo(
            f"warning: {trial_id}: the input text does not match the results; statements only",
            err=True,
        )
    first = summary.pages[0] if summary.pages else output
    more = f" (+{len(summary.pages) - 1} pages)" if len(summary.pages) > 1 else ""
    typer.echo(
        f"{summary.trials} trials ({summary.with_text} on their criteria text, "
        f"{summary.statements_only} statements only) -> {first}{more}"
    )
