"""`eligibility view`: highlighting, pages, text sources, layouts, CLI, and headless Chromium.

The batch is made here: the invented trials of tests/fixtures/view/ run through the pipeline into
a temporary folder. The browser tests install Debian's chromium when it is missing (root only) and
skip cleanly when it cannot be had; one screenshot per run goes to artifacts/view-screenshot.png.
"""

from __future__ import annotations

import html.parser
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline import Trial, extract
from pipeline.readers import read
from pipeline.schema import (
    Constraint,
    Criterion,
    Operator,
    Reason,
    Section,
    Span,
    Subject,
    Temporal,
    record_from_json,
)
from pipeline.view import (
    Layer,
    TrialResults,
    constraint_label,
    highlight,
    layers_of,
    load_results,
    manifest_inputs,
    mismatches,
    parse_record,
    temporal_label,
    trial_html,
    view,
    view_cli,
)

from .conftest import ROOT, SEED

FIXTURES = ROOT / "tests" / "fixtures" / "view"
SCREENSHOT = ROOT / "artifacts" / "view-screenshot.png"
KINDS = {
    "st": "statement",
    "sj": "subject",
    "cn": "constraint",
    "tm": "temporal",
    "ng": "negation",
    "ex": "exception",
    "cd": "condition",
}


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """(results, inputs folder, {trial_id: criteria text}) for the invented trials."""
    out = tmp_path_factory.mktemp("view-batch") / "batch.jsonl"
    extract([str(FIXTURES)], out)
    texts = {t.trial_id: t.criteria for t in read([str(FIXTURES)]) if isinstance(t, Trial)}
    return out, FIXTURES, texts


@pytest.fixture(scope="module")
def seed_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("view-seed") / "seed.jsonl"
    extract([str(SEED)], out)
    return out


class Dom(html.parser.HTMLParser):
    """Marks by class, the text of each `pre.criteria`, ids and hrefs of a page."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.marks: dict[str, int] = {}
        self.pres: list[str] = []
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.titles: list[str] = []
        self.items: list[str] = []  # statements-only view: the text of each statement
        self._in_pre = 0
        self._in_item = False
        self._in_list = False
        self._skip = 0
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if tag == "mark":
            for css in (a.get("class") or "").split():
                self.marks[css] = self.marks.get(css, 0) + 1
            if a.get("title"):
                self.titles.append(a["title"])
        if tag == "pre" and "criteria" in (a.get("class") or ""):
            self._in_pre += 1
            self.pres.append("")
        if tag == "li" and self._in_list and a.get("class") != "sec":
            self._in_item = True
            self.items.append("")
        if tag == "ol" and a.get("class") == "statements":
            self._in_list = True
        if tag == "span" and self._in_item:
            self._skip += 1  # the number and the item path

    def handle_endtag(self, tag):
        if tag == "pre" and self._in_pre:
            self._in_pre -= 1
        if tag == "li":
            self._in_item = False
        if tag == "ol":
            self._in_list = False
        if tag == "span" and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if self._in_pre:
            self.pres[-1] += data
        if self._in_item and not self._skip:
            self.items[-1] += data

    def texts(self) -> list[str]:
        """Criteria texts as a browser sees them: the newline right after <pre> is not content."""
        return [t[1:] if t.startswith("\n") else t for t in self.pres]


def _criterion(text="ANC >= 1.5", start=0, **kw) -> Criterion:
    return Criterion(
        criterion_id="T:inc:1:1",
        trial_id="T",
        section=Section.INCLUSION,
        text=text,
        start=start,
        end=start + len(text),
        **kw,
    )


# ---------------------------------------------------------------- pure functions


@pytest.mark.parametrize(
    "text, layers, offset, expected",
    [
        ("a < b & c", [], 0, "a &lt; b &amp; c"),
        (
            "ANC ok",
            [Layer("statement", 0, 3, 1, "t", True)],
            0,
            '<mark class="st ok" id="x-s1" data-s="1" title="t">ANC</mark> ok',
        ),
        # subject and constraint overlap: split at every boundary, nested in LAYERS order
        (
            "ANC>=1",
            [
                Layer("statement", 0, 6, 1, "s"),
                Layer("subject", 0, 4, 1, "j"),
                Layer("constraint", 3, 6, 1, "c"),
            ],
            0,
            '<mark class="st" id="x-s1" data-s="1" title="s"><mark class="sj" title="j">ANC'
            "</mark></mark>"
            '<mark class="st" data-s="1" title="s"><mark class="sj" title="j">'
            '<mark class="cn" title="c">&gt;</mark></mark></mark>'
            '<mark class="st" data-s="1" title="s"><mark class="cn" title="c">=1</mark></mark>',
        ),
        # two statements on one span: one mark, both numbers, an anchor for each
        (
            "AST",
            [Layer("statement", 0, 3, 1, "a", True), Layer("statement", 0, 3, 2, "b", False)],
            0,
            '<mark class="st" id="x-s1" data-s="1 2" title="a | b"><a id="x-s2"></a>AST</mark>',
        ),
        # statements-only: the text starts at offset 10, layers outside it are clipped
        (
            "no HIV",
            [Layer("negation", 10, 12, 1, "n"), Layer("subject", 13, 40, 1, "h")],
            10,
            '<mark class="ng" title="n">no</mark> <mark class="sj" title="h">HIV</mark>',
        ),
        ("x", [Layer("temporal", 5, 9, 1, "t")], 0, "x"),
    ],
    ids=["escape", "statement", "overlap", "shared-span", "offset-clip", "outside"],
)
def test_view_highlight_cases(text, layers, offset, expected):
    assert highlight(text, layers, offset, anchor="x") == expected


@pytest.mark.parametrize(
    "crit, constraint, temporal",
    [
        (
            _criterion(
                constraint=Constraint(
                    Operator.LE, "≤1.5×ULN", 0, 1, value=1.5, unit="×ULN", unit_normalized="{ULN}"
                )
            ),
            "<= 1.5 {ULN}",
            "",
        ),
        (
            _criterion(constraint=Constraint(Operator.BETWEEN, "3-18", 0, 1, value=3, upper=18)),
            "between 3..18",
            "",
        ),
        (
            _criterion(constraint=Constraint(Operator.IN, "0 or 1", 0, 1, values=[0.0, 1.0])),
            "in 0,1",
            "",
        ),
        (
            _criterion(
                constraint=Constraint(Operator.EQ, "positive", 0, 1, qualitative="positive")
            ),
            "= positive",
            "",
        ),
        (
            _criterion(
                temporal=Temporal(
                    "within", "within 28 days", 0, 1, amount=28, unit="day", anchor="first dose"
                )
            ),
            "",
            "within 28 day first dose",
        ),
        (_criterion(), "", ""),
    ],
    ids=["uln", "between", "in", "qualitative", "temporal", "none"],
)
def test_view_labels(crit, constraint, temporal):
    assert (constraint_label(crit), temporal_label(crit)) == (constraint, temporal)


@pytest.mark.parametrize(
    "text, crit, bad",
    [
        ("ANC >= 1.5", _criterion(), False),
        ("ANC >= 2.0", _criterion(), True),
        (
            "",
            _criterion(start=-1, text="minimum age: 18 Years"),
            False,
        ),  # registry fields have no offsets
    ],
    ids=["match", "changed", "registry"],
)
def test_view_mismatches(text, crit, bad):
    assert bool(mismatches(text, [crit])) is bad


def test_view_parse_record_equals_record_from_json(batch, seed_results):
    for path in (batch[0], seed_results):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert parse_record(line) == record_from_json(line)
    with pytest.raises(ValueError, match="unknown field"):
        parse_record('{"record": "criterion", "bogus": 1}')


def test_view_load_results_groups_and_filters(batch):
    results, _, texts = batch
    grouped = load_results(results)
    assert list(grouped) == sorted(texts) + ["NCT90000004"]  # the empty trial is an error row
    assert [e.reason for e in grouped["NCT90000004"].errors] == [Reason.EMPTY_CRITERIA]
    only = load_results(results, ["NCT90000002"])
    assert list(only) == ["NCT90000002"]
    assert only["NCT90000002"].criteria == grouped["NCT90000002"].criteria


# ---------------------------------------------------------------- pages


def _kinds(records) -> set[str]:
    """The highlight classes that `records` call for."""
    return {
        css
        for r in records
        for layer in layers_of(1, r)
        for css, kind in KINDS.items()
        if kind == layer.kind
    }


def test_view_trial_html_marks_every_kind():
    text = "No ANC >= 1.5 within 7 days, except G, if on steroids"
    crit = _criterion(
        text=text,
        computable=True,
        negated=True,
        negation_cue=Span("No", 0, 2),
        subject=Subject("ANC", 3, 6, name="anc"),
        constraint=Constraint(Operator.GE, ">= 1.5", 7, 13, value=1.5),
        temporal=Temporal("within", "within 7 days", 14, 27, amount=7, unit="day"),
        exceptions=[Span("G", 36, 37)],
        condition=Span("if on steroids", 39, 53),
    )
    registry = _criterion(text="minimum age: 18 Years", start=-1, source="registry:minimum_age")
    page = trial_html(TrialResults("T", [crit, registry]), text, source="t.txt")
    dom = Dom(page)
    assert set(dom.marks) == set(KINDS) | {"ok"}
    assert dom.texts() == [text]
    assert {
        "t-T-s1",
        "t-T-r1",
        "t-T-r2",
    } <= dom.ids and "#t-T-r2" in dom.hrefs  # registry row linked
    assert "minimum age: 18 Years" in page


def test_view_trial_page_highlights_the_records(batch, tmp_path):
    results, inputs, texts = batch
    ids = ["NCT90000001", "NCT90000003"]
    out = tmp_path / "all.html"
    summary = view(results, out, trials=ids, inputs=[inputs])
    assert (summary.trials, summary.with_text, summary.statements_only) == (2, 2, 0)
    dom = Dom(out.read_text(encoding="utf-8"))
    assert dom.texts() == [texts[t] for t in ids]  # escaped, nothing lost
    grouped = load_results(results)
    records = [r for t in ids for r in grouped[t].criteria]
    legend = set(KINDS) | {"ok"}
    assert {css for css, k in dom.marks.items() if k > (css in legend)} == _kinds(records) | {"ok"}
    for t in ids:
        for n, r in enumerate(grouped[t].criteria, 1):
            assert f"t-{t}-r{n}" in dom.ids
            assert (f"t-{t}-s{n}" in dom.ids) is (r.start >= 0)  # every statement is marked
    for href in dom.hrefs:
        assert href.startswith("#") and href[1:] in dom.ids, href  # every link lands
    assert any("bilirubin.total <= 1.5 {ULN}" in t for t in dom.titles)


@pytest.mark.parametrize("text", ['<script>alert(1)</script> & "q"', "\nleading newline\n"])
def test_view_page_keeps_tricky_text(tmp_path, text):
    criteria = f"Inclusion Criteria:\n* Age >= 18 years {text}"
    trial = tmp_path / "NCT1.txt"
    trial.write_text(criteria if not text.startswith("\n") else text + criteria, encoding="utf-8")
    results = tmp_path / "r.jsonl"
    extract([str(trial)], results)
    out = tmp_path / "p.html"
    view(results, out)
    page = out.read_text(encoding="utf-8")
    assert "<script>" not in page
    assert Dom(page).texts() == [trial.read_text(encoding="utf-8")]


def test_view_page_is_self_contained(batch, tmp_path):
    results, inputs, _ = batch
    out = tmp_path / "v"
    view(results, out, inputs=[inputs])
    for page in out.glob("*.html"):
        source = page.read_text(encoding="utf-8")
        for needle in ("http://", "https://", "<script", " src=", "@import", "url("):
            assert needle not in source, (page.name, needle)


@pytest.mark.parametrize(
    "mode, expect_text, expect_mismatch",
    [
        ("input", True, False),
        ("manifest", True, False),
        ("statements-only", False, False),
        ("no-manifest", False, False),
        ("changed-input", False, True),
    ],
)
def test_view_text_source(batch, tmp_path, mode, expect_text, expect_mismatch):
    results, inputs, texts = batch
    kwargs = {}
    if mode == "input":
        kwargs["inputs"] = [inputs]
    elif mode == "statements-only":
        kwargs["statements_only"] = True
    elif mode == "no-manifest":
        results = Path(shutil.copy(results, tmp_path / "copy.jsonl"))
    elif mode == "changed-input":
        changed = tmp_path / "NCT90000002.txt"
        changed.write_text(texts["NCT90000002"].replace("40 years", "41 years"), encoding="utf-8")
        kwargs["inputs"] = [changed]
    assert bool(manifest_inputs(results)) is (mode not in ("no-manifest",))
    out = tmp_path / "one.html"
    summary = view(results, out, trials=["NCT90000002"], **kwargs)
    page = out.read_text(encoding="utf-8")
    dom = Dom(page)
    assert (summary.with_text, summary.statements_only) == ((1, 0) if expect_text else (0, 1))
    assert summary.mismatched == (["NCT90000002"] if expect_mismatch else [])
    assert ('<ol class="statements">' in page) is not expect_text
    assert ("does not match" in page) is expect_mismatch
    statements = load_results(results)["NCT90000002"].criteria
    assert dom.marks["st"] >= len({(r.start, r.end) for r in statements})
    if expect_text:
        assert dom.texts() == [texts["NCT90000002"]]
    else:
        assert [x.strip() for x in dom.items] == [r.text for r in statements if r.start >= 0]


@pytest.mark.parametrize("layout", ["folder", "single-file"])
def test_view_batch_layout_links_every_trial(batch, tmp_path, layout):
    results, inputs, texts = batch
    ids = sorted(texts) + ["NCT90000004"]
    out = tmp_path / ("v" if layout == "folder" else "all.html")
    summary = view(results, out, inputs=[inputs])
    assert summary.trials == len(ids)
    if layout == "folder":
        index = out / "index.html"
        assert sorted(p.name for p in out.iterdir()) == sorted(
            ["index.html"] + [f"{t}.html" for t in ids]
        )
        dom = Dom(index.read_text(encoding="utf-8"))
        assert sorted(dom.hrefs) == sorted(f"{t}.html" for t in ids)
        trial_page = Dom((out / "NCT90000001.html").read_text(encoding="utf-8"))
        assert "index.html" in trial_page.hrefs and trial_page.marks["st"] > 1
        assert "empty_criteria" in index.read_text(encoding="utf-8")
    else:
        dom = Dom(out.read_text(encoding="utf-8"))
        for t in ids:
            assert f"#t-{t}" in dom.hrefs and f"t-{t}" in dom.ids
        assert len(dom.texts()) == len(texts)


def _cli_app() -> typer.Typer:
    app = typer.Typer()
    app.command()(view_cli)
    return app


@pytest.mark.parametrize(
    "args, code, output",
    [
        (
            ["--trial", "NCT90000001", "-o", "{tmp}/one.html"],
            0,
            "1 trials (1 on their criteria text",
        ),
        (
            ["--trial", "NCT90000001", "--statements-only", "-o", "{tmp}/one.html"],
            0,
            "0 on their criteria text, 1 statements only",
        ),
        (["-o", "{tmp}/folder"], 0, "4 trials (3 on their criteria text, 1 statements only)"),
        (["--trial", "NCT00000000", "-o", "{tmp}/x.html"], 1, "not in"),
    ],
    ids=["trial", "statements-only", "folder", "unknown-trial"],
)
def test_view_cli(batch, tmp_path, args, code, output):
    results, inputs, _ = batch
    argv = [str(results), "--input", str(inputs)] + [a.format(tmp=tmp_path) for a in args]
    res = CliRunner().invoke(_cli_app(), argv)
    assert res.exit_code == code, res.output
    assert output in res.output


@pytest.mark.slow
def test_view_batch_is_fast(batch, tmp_path):
    """2,000 trials (the fixture batch copied under new ids) to a folder in well under a minute."""
    results, _, _ = batch
    lines = results.read_text(encoding="utf-8").splitlines()
    big = tmp_path / "big.jsonl"
    with open(big, "w", encoding="utf-8") as fh:
        for k in range(500):
            for line in lines:
                fh.write(line.replace('"NCT9000000', f'"NCT8{k:04d}0') + "\n")
    start = time.perf_counter()
    summary = view(big, tmp_path / "big")
    seconds = time.perf_counter() - start
    assert summary.trials == 2000
    assert seconds < 30, seconds


# ---------------------------------------------------------------- headless Chromium

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    "--enable-logging=stderr",
    "--v=0",
]
_INSTALLED: dict[str, float] = {}


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium: found, or installed with apt-get (root only), or a clean skip."""
    found = shutil.which("chromium")
    if found:
        return found
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("chromium is not installed and installing it needs root")
    if shutil.which("apt-get") is None:
        pytest.skip("chromium is not installed and there is no apt-get")
    start = time.monotonic()
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (
        ["apt-get", "update", "-q"],
        [
            "apt-get",
            "install",
            "-y",
            "-q",
            "--no-install-recommends",
            "chromium",
            "chromium-driver",
        ],
    ):
        try:
            proc = subprocess.run(
                cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=900
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            pytest.skip(f"{' '.join(cmd)}: {exc}")
        if proc.returncode != 0:
            pytest.skip(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-400:]}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium but it is not on PATH")
    _INSTALLED["seconds"] = time.monotonic() - start
    return found


def _chromium_run(binary: str, profile: Path, page: Path, *extra: str) -> tuple[str, list[str]]:
    """(stdout, console messages) of one headless run on a file:// page."""
    proc = subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]


def test_view_browser_console_check_sees_errors(chromium, tmp_path):
    """The console check is not vacuous: a page that logs an error is caught."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head><body>'
        '<script>console.error("boom-marker")</script></body></html>',
        encoding="utf-8",
    )
    _, console = _chromium_run(chromium, tmp_path / "profile", page, "--dump-dom")
    assert any("boom-marker" in line for line in console), console


@pytest.mark.parametrize("which", ["seed", "batch"])
def test_view_browser_renders_highlights(chromium, batch, seed_results, tmp_path, capsys, which):
    if which == "seed":
        results, inputs, texts = seed_results, [SEED], [SEED.read_text(encoding="utf-8")]
    else:
        results, folder, by_id = batch
        inputs, texts = [folder], [by_id[k] for k in sorted(by_id)]
    page = tmp_path / f"{which}.html"
    view(results, page, inputs=inputs)
    dom_text, console = _chromium_run(chromium, tmp_path / "profile", page, "--dump-dom")
    assert console == []
    dom = Dom(dom_text)
    assert dom.texts() == texts  # what the browser built is the criteria text, unchanged
    written = Dom(page.read_text(encoding="utf-8"))
    assert dom.marks == written.marks  # every highlight survived the browser's parser
    records = [r for res in load_results(results).values() for r in res.criteria]
    legend = set(KINDS) | {"ok"}
    assert {css for css, k in dom.marks.items() if k > (css in legend)} == _kinds(records) | {"ok"}
    assert {"st", "sj", "cn"} <= _kinds(records)
    if _INSTALLED:
        with capsys.disabled():  # shown with or without -s
            print(f"\nchromium installed by the test set-up in {_INSTALLED.pop('seconds'):.1f}s")


def test_view_browser_screenshot(chromium, seed_results, tmp_path, capsys):
    page = tmp_path / "seed.html"
    view(seed_results, page, inputs=[SEED])
    SCREENSHOT.parent.mkdir(exist_ok=True)
    shot = tmp_path / "shot.png"
    _, console = _chromium_run(
        chromium, tmp_path / "profile", page, "--window-size=1400,900", f"--screenshot={shot}"
    )
    assert console == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    shutil.copyfile(shot, SCREENSHOT)
    with capsys.disabled():  # shown with or without -s
        print(f"\nscreenshot: {SCREENSHOT}")
