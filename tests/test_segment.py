import pytest

from pipeline.segment import MAX_CLAUSE, item_text, segment


def _clauses(text):
    seg = segment(text)
    return [(item.section, item.path, text[s:e]) for s, e, item in seg.clauses()]


def test_segment_seed_sections_and_lead_in(seed_text):
    seg = segment(seed_text)
    assert [h.label for h in seg.headers] == ["inclusion", "exclusion"]
    lead = next(i for i in seg.items if i.children)
    assert item_text(seg, lead).startswith("Liver and kidney function")
    child_clauses = [seed_text[s:e] for s, e in lead.children[0].clauses]
    assert child_clauses == [
        "Creatinine is within the normal range", "Left ventricular ejection fraction ≥ 45%",
        "Baseline blood oxygen saturation>91%", "Total bilirubin≤1.5×ULN", "ALT and AST≤2.5×ULN",
    ]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Inclusion Criteria:\n\n* Age ≥ 18\n* ECOG 0-1\n\nExclusion Criteria:\n\n* Pregnancy",
         [("inclusion", "1", "Age ≥ 18"), ("inclusion", "2", "ECOG 0-1"), ("exclusion", "1", "Pregnancy")]),
        ("INCLUSION CRITERIA\n1. Adults\n2) Signed consent\nEXCLUSION CRITERIA\n(1) HIV",
         [("inclusion", "1", "Adults"), ("inclusion", "2", "Signed consent"), ("exclusion", "1", "HIV")]),
        ("Key Inclusion Criteria:\n- Adequate organ function defined as:\n   - ANC ≥ 1.5\n   - Platelets ≥ 100\n",
         [("inclusion", "1.1", "ANC ≥ 1.5"), ("inclusion", "1.2", "Platelets ≥ 100")]),
        ("Age over 18; signed consent. Able to swallow tablets",
         [("unknown", "1", "Age over 18"), ("unknown", "1", "signed consent"), ("unknown", "1", "Able to swallow tablets")]),
        ("Exclusion: prior therapy (e.g. steroids; antibodies) within 4 wk.",
         [("exclusion", "1", "prior therapy (e.g. steroids; antibodies) within 4 wk")]),
        ("Inclusion Criteria:\r\n\r\n          -  Histologically confirmed carcinoma of the breast that is\r\n             metastatic\r\n          -  Age 18",
         [("inclusion", "1", "Histologically confirmed carcinoma of the breast that is\r\n             metastatic"), ("inclusion", "2", "Age 18")]),
        ("Inclusion Criteria:\n* Platelets \\>= 100,000/mm3. Hemoglobin >= 9 g/dL",
         [("inclusion", "1", "Platelets \\>= 100,000/mm3"), ("inclusion", "1", "Hemoglobin >= 9 g/dL")]),
        ("Main exclusion criteria:\n• Weight 2.5 kg. Other\n", [("exclusion", "1", "Weight 2.5 kg"), ("exclusion", "1", "Other")]),
        # a sentence with indented sub-items is a criterion itself; a lead-in ending in ":" is not
        ("Inclusion Criteria:\n- Children aged 12 years or younger at enrolment.\n    - Newly diagnosed asthma\n",
         [("inclusion", "1", "Children aged 12 years or younger at enrolment"), ("inclusion", "1.1", "Newly diagnosed asthma")]),
    ],
)
def test_segment_formats(text, expected):
    assert _clauses(text) == expected


def test_segment_scope_subheader_is_kept_on_items():
    text = "Inclusion Criteria:\nFor Part A only:\n- Age 18 to 65\nFor women of childbearing potential:\n- Negative pregnancy test"
    seg = segment(text)
    assert [(i.scope, item_text(seg, i)) for i in seg.items] == [
        ("For Part A only", "Age 18 to 65"), ("For women of childbearing potential", "Negative pregnancy test")]


def test_segment_no_header_is_flagged():
    assert segment("Age 18 or older\nSigned consent").flags == ["no_section_header"]


def test_segment_header_with_inline_item():
    seg = segment("Inclusion criteria: age 18 to 75 years\nExclusion criteria: pregnancy")
    assert [(i.section, item_text(seg, i)) for i in seg.items] == [("inclusion", "age 18 to 75 years"), ("exclusion", "pregnancy")]


@pytest.mark.parametrize("text", ["", "\n\n", "Inclusion Criteria:", "•", "((((", "1.\n2.\n", "-" * 500])
def test_segment_degenerate_inputs(text):
    seg = segment(text)
    for s, e, _ in seg.clauses():
        assert 0 <= s < e <= len(text)


def test_segment_run_on_clause_is_cut_at_commas_into_bounded_pieces():
    text = "Inclusion Criteria:\n* " + "ALT ≤ 2.5 × ULN and AST ≤ 2.5 × ULN, " * 1000  # 36,000 chars, one sentence
    clauses = [text[s:e] for s, e, _ in segment(text).clauses()]
    assert len(clauses) >= 9 and all(len(c) <= MAX_CLAUSE for c in clauses)
    assert all(c.startswith("ALT") and c.endswith("ULN") for c in clauses)  # cut between list entries


@pytest.mark.parametrize("line", ["x" * 10_000, "word " * 2_000])
def test_segment_run_on_clause_without_commas_keeps_every_character(line):
    text = "Inclusion Criteria:\n* " + line
    clauses = [text[s:e] for s, e, _ in segment(text).clauses()]
    assert all(len(c) <= MAX_CLAUSE for c in clauses)
    assert "".join(clauses).replace(" ", "") == line.replace(" ", "")


def test_segment_clause_under_the_limit_is_not_cut():
    body = "ALT ≤ 2.5 × ULN, " * (MAX_CLAUSE // 17)
    text = "Inclusion Criteria:\n* " + body
    assert [text[s:e] for s, e, _ in segment(text).clauses()] == [body.rstrip(", ")]


@pytest.mark.parametrize(
    "header,section,scope",
    [
        ("Maternal Inclusion Criteria:", "inclusion", "Maternal Inclusion Criteria"),
        ("Inclusion criteria for caregivers will be:", "inclusion", "Inclusion criteria for caregivers"),
        ("Exclusion Criteria for the control group:", "exclusion", "Exclusion Criteria for the control group"),
        ("Exclusion criteria are:", "exclusion", None),  # nothing specific: no scope
        ("Patient Inclusion Criteria:", "inclusion", None),
        ("Participants will be included if:", "inclusion", None),
    ],
)
def test_segment_qualified_headers_open_their_section_with_a_scope(header, section, scope):
    text = f"{header}\n- Aged 40 years or older\n"
    seg = segment(text)
    (item,) = seg.items
    assert (item.section, item.scope) == (section, scope)


def test_segment_item_run_into_a_header_is_not_a_header_qualifier():
    # "- Signed consent Exclusion criteria:" after a bullet: the words before belong to the last item
    text = "Inclusion Criteria:\n- Adults\n- Signed informed consent Exclusion criteria:\n- Pregnancy\n"
    seg = segment(text)
    assert [text[i.start:i.end] for i in seg.items][:2] == ["Adults", "Signed informed consent Exclusion criteria:"]


def test_segment_pdq_layout_headers_and_category_labels():
    # PDQ records: "DISEASE/PATIENT CHARACTERISTICS", "PRIOR CONCURRENT THERAPY" hold requirements (inclusion);
    # a label line over bullets ("Hepatic") scopes them and is no item
    text = ("DISEASE CHARACTERISTICS:\n\n* Confirmed adenocarcinoma of the prostate\n\n"
            "PATIENT CHARACTERISTICS:\n\nAge\n\n* 18 and over\n\nHepatic\n\n* Bilirubin normal\n\n"
            "PRIOR CONCURRENT THERAPY:\n\nChemotherapy\n\n* No prior chemotherapy\n")
    seg = segment(text)
    assert "no_section_header" not in seg.flags
    items = [(text[i.start:i.end], i.section, i.scope) for i in seg.items]
    assert items == [("Confirmed adenocarcinoma of the prostate", "inclusion", None),
                     ("18 and over", "inclusion", "Age"), ("Bilirubin normal", "inclusion", "Hepatic"),
                     ("No prior chemotherapy", "inclusion", "Chemotherapy")]


def test_segment_one_word_item_in_an_unbulleted_list_stays_an_item():
    text = "Exclusion Criteria:\n\nPregnancy\n\nActive infection\n"
    assert [text[i.start:i.end] for i in segment(text).items] == ["Pregnancy", "Active infection"]


def test_segment_pdq_paragraph_whose_line_breaks_were_lost():
    # legacy XML keeps PDQ records as wrapped paragraphs: labels ("Hepatic:") and new requirements ("No ...",
    # "At least ...", a new lab name) start new clauses; a line ending in a label's colon does not end the item
    text = ("\n        PATIENT CHARACTERISTICS: Age: 18 and over Performance status: ECOG 0-1 Life expectancy:\r\n"
            "        More than 6 months Hematopoietic: Neutrophil count at least 1,500/mm3 Platelet count at least\r\n"
            "        100,000/mm3 Hepatic: Bilirubin normal Other: No active infection Not pregnant Negative pregnancy test\r\n"
            "        treated with Herceptin\r\n")
    seg = segment(text)
    clauses = [" ".join(text[a:b].split()) for it in seg.items for a, b in it.clauses]
    assert clauses == ["Age: 18 and over", "Performance status: ECOG 0-1", "Life expectancy: More than 6 months",
                       "Hematopoietic: Neutrophil count at least 1,500/mm3", "Platelet count at least 100,000/mm3",
                       "Hepatic: Bilirubin normal", "Other: No active infection", "Not pregnant",
                       "Negative pregnancy test treated with Herceptin"]
    assert {it.section for it in seg.items} == {"inclusion"}


def test_segment_a_criterion_ending_in_following_is_no_header():
    # "Ineligible for X, defined by at least one of the following:" is an inclusion criterion with children, not an
    # exclusion header; a lead sentence about the people is one ("Patients are not eligible if any of the following:")
    text = ("Inclusion Criteria:\n1. Ineligible for intensive chemotherapy, defined by at least one of the following:\n"
            "   a. Age ≥ 75 years\n2. Platelets ≥ 50 × 10^9/L\n")
    assert {it.section for it in segment(text).items} == {"inclusion"}
    text = "Inclusion Criteria:\n- Age ≥ 18\nPatients are not eligible if any of the following applies:\n- Pregnancy\n"
    assert [it.section for it in segment(text).items] == ["inclusion", "exclusion"]


def test_segment_a_lead_sentence_announcing_exclusions_is_a_header():
    text = "Inclusion Criteria:\n- Age ≥ 18\n- Cardiac symptoms; any of the following should be considered for exclusion:\n- Angina\n"
    assert [it.section for it in segment(text).items] == ["inclusion", "exclusion"]
