"""pipeline.readers.ctgov_xml: legacy ClinicalTrials.gov XML files, directories and archives."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from pipeline.readers import ctgov_xml, read
from pipeline.schema import ErrorRow, Reason, Trial

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readers"


def xml_study(
    nct_id="NCT09992001",
    criteria="\n        Inclusion Criteria:&#xD;\n&#xD;\n          -  Adults&#xD;\n      ",
    *,
    gender="All",
    minimum_age="18 Years",
    maximum_age="N/A",
    healthy="No",
    title="Fixture Study",
    declaration='<?xml version="1.0" encoding="UTF-8"?>\n',
) -> str:
    parts = [declaration, "<clinical_study>\n"]
    if nct_id is not None:
        parts.append(
            "  <id_info>\n    <org_study_id>X</org_study_id>\n"
            f"    <nct_id>{nct_id}</nct_id>\n  </id_info>\n"
        )
    if title is not None:
        parts.append(f"  <brief_title>{title}</brief_title>\n")
    parts.append("  <eligibility>\n")
    if criteria is not None:
        parts.append(f"    <criteria>\n      <textblock>{criteria}</textblock>\n    </criteria>\n")
    for tag, value in (
        ("gender", gender),
        ("minimum_age", minimum_age),
        ("maximum_age", maximum_age),
        ("healthy_volunteers", healthy),
    ):
        if value is not None:
            parts.append(f"    <{tag}>{value}</{tag}>\n")
    parts.append("  </eligibility>\n</clinical_study>\n")
    return "".join(parts)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def records(path, **kw):
    return list(read(path, **kw))


def test_ctgov_xml_fixture_fields():
    path = FIXTURES / "legacy_study.xml"
    (t,) = records(path)
    assert isinstance(t, Trial)
    assert (t.trial_id, t.source, t.title) == (
        "NCT09990031",
        str(path),
        "Sprocket Supplementation in Imaginary Anemia",
    )
    assert (t.sex, t.minimum_age, t.maximum_age, t.healthy_volunteers) == (
        "ALL",
        "12 Years",
        None,
        True,
    )
    assert t.criteria.startswith(
        "\n        Inclusion Criteria:\r\n\r\n          -  Hemoglobin < 10 g/dL and ferritin >= 30"
    )
    assert "older & able" in t.criteria
    assert t.criteria.endswith("sprocket allergy   \r\n      ")


def test_ctgov_xml_criteria_kept_exactly(tmp_path):
    raw = "\n        Line one&#xD;\n&#xD;\n          -  a &lt;= b   \n\t\t tab  &#xD;\n      "
    (t,) = records(write(tmp_path / "s.xml", xml_study(criteria=raw)))
    assert t.criteria == "\n        Line one\r\n\r\n          -  a <= b   \n\t\t tab  \r\n      "


@pytest.mark.parametrize(
    "gender, sex",
    [
        ("All", "ALL"),
        ("Both", "ALL"),
        ("Female", "FEMALE"),
        ("Male", "MALE"),
        (None, None),
        ("", None),
    ],
)
def test_ctgov_xml_gender(tmp_path, gender, sex):
    (t,) = records(write(tmp_path / "s.xml", xml_study(gender=gender)))
    assert t.sex == sex


@pytest.mark.parametrize(
    "healthy, value",
    [("Accepts Healthy Volunteers", True), ("No", False), (None, None), ("", None)],
)
def test_ctgov_xml_healthy_volunteers(tmp_path, healthy, value):
    (t,) = records(write(tmp_path / "s.xml", xml_study(healthy=healthy)))
    assert t.healthy_volunteers is value


@pytest.mark.parametrize(
    "minimum, maximum, expected",
    [
        ("N/A", "N/A", (None, None)),
        ("18 Years", "65 Years", ("18 Years", "65 Years")),
        ("6 Months", None, ("6 Months", None)),
    ],
)
def test_ctgov_xml_ages(tmp_path, minimum, maximum, expected):
    (t,) = records(write(tmp_path / "s.xml", xml_study(minimum_age=minimum, maximum_age=maximum)))
    assert (t.minimum_age, t.maximum_age) == expected


def test_ctgov_xml_directory_sorted_recursive(tmp_path):
    (tmp_path / "NCT0000xxxx").mkdir()
    (tmp_path / "NCT0001xxxx").mkdir()
    write(tmp_path / "NCT0001xxxx" / "NCT00010001.xml", xml_study("NCT00010001"))
    write(tmp_path / "NCT0000xxxx" / "NCT00000002.xml", xml_study("NCT00000002"))
    write(tmp_path / "NCT0000xxxx" / "NCT00000001.xml", xml_study("NCT00000001"))
    (tmp_path / "README.md").write_text("not a study")
    (tmp_path / ".hidden.xml").write_text("<broken")
    recs = records(tmp_path)
    assert [r.trial_id for r in recs] == ["NCT00000001", "NCT00000002", "NCT00010001"]
    assert recs[0].source == str(tmp_path / "NCT0000xxxx" / "NCT00000001.xml")


@pytest.mark.parametrize(
    "name, mode", [("x.tar.gz", "w:gz"), ("x.tgz", "w:gz"), ("x.tar", "w"), ("x.tar.bz2", "w:bz2")]
)
def test_ctgov_xml_tar_archive(tmp_path, name, mode):
    p = tmp_path / name
    with tarfile.open(p, mode) as tf:
        for i in (2, 1):
            data = xml_study(f"NCT0999210{i}").encode()
            info = tarfile.TarInfo(f"owner__repo/NCT0999xxxx/NCT0999210{i}.xml")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    recs = records(p)
    assert [(r.trial_id, r.source) for r in recs] == [
        (f"NCT0999210{i}", f"{p}!owner__repo/NCT0999xxxx/NCT0999210{i}.xml") for i in (2, 1)
    ]


def test_ctgov_xml_zip_archive_and_corrupt_member(tmp_path):
    p = tmp_path / "x.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_STORED) as z:
        for i in (1, 2, 3):
            z.writestr(
                f"NCT0999220{i}.xml", xml_study(f"NCT0999220{i}", criteria=f"criteria number {i}")
            )
    data = bytearray(p.read_bytes())
    pos = data.index(b"criteria number 2")
    data[pos] = ord("C")  # the stored bytes no longer match the CRC
    p.write_bytes(bytes(data))
    recs = records(p)
    assert [type(r) for r in recs] == [Trial, ErrorRow, Trial]
    assert recs[1].reason == Reason.UNREADABLE
    assert recs[1].source == f"{p}!NCT09992202.xml"
    assert "CRC" in recs[1].message


def test_ctgov_xml_truncated_tar_gz(tmp_path):
    p = tmp_path / "x.tar.gz"
    import os

    with tarfile.open(p, "w:gz") as tf:
        for i in range(60):
            data = xml_study(f"NCT{9992300 + i:08d}", criteria=os.urandom(600).hex()).encode()
            info = tarfile.TarInfo(f"NCT{9992300 + i:08d}.xml")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    recs = records(p)
    n = len(recs) - 1
    assert 10 < n < 60
    assert all(isinstance(r, Trial) for r in recs[:-1])
    assert [r.trial_id for r in recs[:-1]] == [f"NCT{9992300 + i:08d}" for i in range(n)]
    assert isinstance(recs[-1], ErrorRow) and recs[-1].reason == Reason.UNREADABLE


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<clinical_study><id_info><nct_id>NCT09992401</nct_id></id_info>
<eligibility><criteria><textblock>&lol4;</textblock></criteria></eligibility></clinical_study>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE clinical_study [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<clinical_study><id_info><nct_id>NCT09992402</nct_id></id_info>
<eligibility><criteria><textblock>&xxe;</textblock></criteria></eligibility></clinical_study>
"""

MISMATCHED = xml_study("NCT09992403").replace("</eligibility>", "")


@pytest.mark.parametrize(
    "text, reason, trial_id, line",
    [
        (BOMB, Reason.MALFORMED_RECORD, "NCT09992401", None),
        (XXE, Reason.MALFORMED_RECORD, "NCT09992402", None),
        (
            MISMATCHED,
            Reason.MALFORMED_RECORD,
            "NCT09992403",
            MISMATCHED[: MISMATCHED.index("</clinical")].count("\n") + 1,
        ),
        ("<clinical_study><id_info>", Reason.MALFORMED_RECORD, None, 1),
        ("", Reason.MALFORMED_RECORD, None, 1),
        ("<other_root/>", Reason.MALFORMED_RECORD, None, None),
        (xml_study(None), Reason.MISSING_FIELD, None, None),
        (xml_study("NCT09992404", criteria=None), Reason.MISSING_FIELD, "NCT09992404", None),
        (xml_study("NCT09992405", criteria=""), Reason.EMPTY_CRITERIA, "NCT09992405", None),
        (
            xml_study("NCT09992406", criteria="\n      &#xD;\n   "),
            Reason.EMPTY_CRITERIA,
            "NCT09992406",
            None,
        ),
    ],
)
def test_ctgov_xml_bad_document(tmp_path, text, reason, trial_id, line):
    p = write(tmp_path / "bad.xml", text)
    (err,) = records(p)
    assert isinstance(err, ErrorRow)
    assert (err.reason, err.trial_id, err.source) == (reason, trial_id, str(p))
    assert err.line == line


def test_ctgov_xml_bomb_in_directory_does_not_stop_reading(tmp_path):
    write(tmp_path / "a.xml", BOMB)
    write(tmp_path / "b.xml", xml_study("NCT09992501"))
    recs = records(tmp_path)
    assert [type(r) for r in recs] == [ErrorRow, Trial]


def test_ctgov_xml_doctype_without_entities_is_read(tmp_path):
    text = xml_study("NCT09992502").replace(
        "<clinical_study>", "<!DOCTYPE clinical_study>\n<clinical_study>", 1
    )
    (t,) = records(write(tmp_path / "d.xml", text))
    assert t.trial_id == "NCT09992502"


def test_ctgov_xml_invalid_utf8(tmp_path):
    data = (
        xml_study("NCT09992601", criteria="caf\u00e9 ok")
        .encode()
        .replace("\u00e9".encode(), b"\xe9")
    )
    p = tmp_path / "s.xml"
    p.write_bytes(data)
    (err,) = records(p)
    assert (err.reason, err.trial_id, err.offset) == (
        Reason.ENCODING,
        "NCT09992601",
        data.index(b"\xe9"),
    )
    (t,) = records(p, encoding="latin-1")
    assert "café ok" in t.criteria


@pytest.mark.parametrize(
    "encoding, declaration, bom",
    [
        ("iso-8859-1", '<?xml version="1.0" encoding="ISO-8859-1"?>\n', b""),
        ("utf-16-le", '<?xml version="1.0" encoding="UTF-16"?>\n', b"\xff\xfe"),
        ("utf-8", '<?xml version="1.0" encoding="UTF-8"?>\n', b"\xef\xbb\xbf"),
        ("utf-8", "", b""),
    ],
)
def test_ctgov_xml_declared_encodings(tmp_path, encoding, declaration, bom):
    p = tmp_path / "s.xml"
    p.write_bytes(
        bom
        + xml_study(
            "NCT09992701",
            criteria="Âge ≥ 18 ans" if "8859" not in encoding else "Âge 18 ans",
            declaration=declaration,
        ).encode(encoding)
    )
    (t,) = records(p)
    assert isinstance(t, Trial)
    assert t.criteria.startswith("Âge")


def test_ctgov_xml_several_studies_in_one_document(tmp_path):
    body = "".join(xml_study(f"NCT0999280{i}", declaration="") for i in (1, 2))
    p = write(tmp_path / "search_results.xml", f"<search_results>\n{body}</search_results>\n")
    recs = records(p)
    assert [(r.trial_id, r.source) for r in recs] == [
        ("NCT09992801", f"{p}:item 1"),
        ("NCT09992802", f"{p}:item 2"),
    ]


def test_ctgov_xml_gzip_file(tmp_path):
    import gzip

    p = tmp_path / "NCT09992901.xml.gz"
    p.write_bytes(gzip.compress(xml_study("NCT09992901").encode()))
    (t,) = records(p)
    assert t.trial_id == "NCT09992901" and t.source == str(p)


def test_ctgov_xml_module_read_stream():
    recs = list(ctgov_xml.read_stream(io.BytesIO(xml_study().encode()), "mem"))
    assert [r.trial_id for r in recs] == ["NCT09992001"]
