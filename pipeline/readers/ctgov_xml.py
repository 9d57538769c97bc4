"""Legacy ClinicalTrials.gov XML (`<clinical_study>`, as in AllPublicXML and `?displayxml=true`).

Inputs: a single `.xml` file (optionally gzip-compressed), a directory tree of them (sorted), and
`.zip` / `.tar` / `.tar.gz` / `.tgz` archives (members are streamed, never unpacked to disk).
A document whose root is not `<clinical_study>` yields every `<clinical_study>` inside it.

Fields: `id_info/nct_id` -> trial_id, `brief_title` -> title, `eligibility/criteria/textblock` ->
criteria (exactly as the XML parser returns it: `&#xD;` becomes "\\r", indentation and trailing
spaces are kept), `eligibility/gender` (All / Both -> ALL, Female -> FEMALE, Male -> MALE),
`eligibility/minimum_age` and `maximum_age` ("N/A" -> None), `eligibility/healthy_volunteers`
("Accepts Healthy Volunteers" -> True, "No" -> False).

Parsing is safe: a document with a DOCTYPE goes through defusedxml, which refuses entity
declarations and external references, so an entity bomb or an XXE attempt gives a MALFORMED_RECORD
error row (as does any XML syntax error); a document without a DOCTYPE cannot declare entities at
all and is parsed by the faster C parser of the standard library.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as DET

from ..errors import InputError
from ..schema import ErrorRow, Reason
from ._container import read_inputs
from ._io import Record, ascii_compatible, decode_bytes, make_trial, sniff_bom, suffix_of

NAME = "ctgov_xml"
EXTENSIONS = (".xml",)

_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._\-]+)[\"']")
_DECL_TEXT = re.compile(r"^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*[\"'][A-Za-z0-9._\-]+[\"']")
_NCT = re.compile(rb"<nct_id>\s*([^<\s]+)\s*</nct_id>")


def accepts(name: str) -> bool:
    return suffix_of(name) in EXTENSIONS


def read(path: Any, *, encoding: str | None = None, **_: Any) -> Iterator[Record]:
    """Trials (or ErrorRows) of an XML file, a directory of XML files, or an archive of them."""
    return read_inputs(path, accepts, read_stream, encoding=encoding)


def read_stream(
    stream: IO[bytes], source: str, name: str = "", *, encoding: str | None = None, **_: Any
) -> Iterator[Record]:
    data = stream.read()
    yield from parse_document(data, source, encoding=encoding)


def _guess_id(data: bytes) -> str | None:
    m = _NCT.search(data)
    if not m:
        return None
    try:
        return m.group(1).decode("ascii")
    except UnicodeDecodeError:
        return None


def _defused(data: bytes | str) -> Element:
    return DET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)


def _parse(data: bytes, encoding: str | None, source: str) -> Element:
    """Parse safely. Entities and external references can only be declared in a DOCTYPE, so a
    document without one is parsed by the (C-accelerated) standard parser, which is then as safe as
    defusedxml and 5x faster; any document with a DOCTYPE, or not in an ASCII-compatible encoding,
    goes through defusedxml, which refuses entity declarations and external references."""
    if encoding:
        text = decode_bytes(data, encoding, source=source)
        text = _DECL_TEXT.sub(r"\1", text, count=1)  # the text is already decoded
        if "<!DOCTYPE" in text or "<!ENTITY" in text:
            return _defused(text)
        return ET.fromstring(text)
    bom, _ = sniff_bom(data[:4])
    if bom in (None, "utf-8") and b"<!DOCTYPE" not in data and b"<!ENTITY" not in data:
        declared = _DECL.match(data) if bom is None else None
        if declared is None or ascii_compatible(declared.group(1).decode("ascii")):
            return ET.fromstring(data)
    return _defused(data)


def _utf8_problem(data: bytes, source: str) -> InputError | None:
    """For a document that failed to parse: the ENCODING error if it is undecodable UTF-8."""
    bom, _ = sniff_bom(data[:4])
    declared = _DECL.match(data) if bom is None else None
    name = declared.group(1).decode("ascii").lower().replace("_", "-") if declared else "utf-8"
    if bom not in (None, "utf-8") or name not in ("utf-8", "utf8"):
        return None
    try:
        decode_bytes(data, None, source=source)
    except InputError as exc:
        return exc
    return None


def parse_document(data: bytes, source: str, *, encoding: str | None = None) -> Iterator[Record]:
    """The records of one XML document held in `data`."""
    try:
        root = _parse(data, encoding, source)
    except InputError as exc:
        exc.record = exc.record or _guess_id(data)
        raise
    except ParseError as exc:
        trial_id = _guess_id(data)
        problem = None if encoding else _utf8_problem(data, source)
        if problem is not None:  # expat stopped at bytes that are not UTF-8
            yield ErrorRow(
                source, Reason.ENCODING, problem.message, trial_id, offset=problem.offset
            )
            return
        line = exc.position[0] if getattr(exc, "position", None) else None
        yield ErrorRow(
            source, Reason.MALFORMED_RECORD, f"XML parse error: {exc}", trial_id=trial_id, line=line
        )
        return
    except defusedxml.DefusedXmlException as exc:
        trial_id = _guess_id(data)
        yield ErrorRow(source, Reason.MALFORMED_RECORD, f"XML refused: {exc}", trial_id=trial_id)
        return
    studies = [root] if root.tag == "clinical_study" else list(root.iter("clinical_study"))
    if not studies:
        yield ErrorRow(
            source, Reason.MALFORMED_RECORD, f"no <clinical_study> element (root is <{root.tag}>)"
        )
        return
    for i, study in enumerate(studies, 1):
        item_source = source if len(studies) == 1 else f"{source}:item {i}"
        yield study_record(study, item_source, source)


def study_record(study: Element, source: str, error_source: str) -> Record:
    """One `<clinical_study>` element -> Trial or ErrorRow."""
    trial_id = study.findtext("id_info/nct_id")
    elig = study.find("eligibility")
    textblock = elig.find("criteria/textblock") if elig is not None else None
    if textblock is None:
        criteria = None
        where = "<eligibility>" if elig is None else "<eligibility><criteria><textblock>"
    else:
        criteria = textblock.text or ""
        where = "criteria"

    def field(tag: str) -> str | None:
        return elig.findtext(tag) if elig is not None else None

    return make_trial(
        source=source,
        error_source=error_source,
        trial_id=trial_id,
        criteria=criteria,
        id_field="<id_info><nct_id>",
        text_field=where,
        title=study.findtext("brief_title"),
        sex=field("gender"),
        minimum_age=field("minimum_age"),
        maximum_age=field("maximum_age"),
        healthy_volunteers=field("healthy_volunteers"),
    )
