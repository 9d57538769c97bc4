"""Statement building: pairing constraints with subjects and splitting clauses into statements."""
import pytest

from pipeline.criteria import build_criteria
from pipeline.schema import Trial


def _stmts(line):
    text = "Inclusion Criteria:\n- " + line + "\n"
    return text, build_criteria(Trial("T", "t", text))


@pytest.mark.parametrize(
    "line,expected",
    [
        # two measurements without lexicon names: one statement each, none lost
        ("clinical attachment level (CAL) ≥ 5 mm and pocket depth (PD) ≥ 6 mm",
         [("CAL", ">=", 5.0), ("pocket depth (PD)", ">=", 6.0)]),
        ("sSBP ≥ 20 mmHg and sDBP ≥ 10 mmHg", [("sSBP", ">=", 20.0), ("sDBP", ">=", 10.0)]),
        # an age range written without the word "age" next to a named score
        ("between 18 and 80 years, ASA 1-3", [(None, "between", 18.0), ("ASA", "between", 1.0)]),
    ],
)
def test_criteria_each_constraint_keeps_its_own_statement(line, expected):
    text, crits = _stmts(line)
    got = [(c.subject.text if c.subject and c.subject.name != "age" else None,
            c.constraint.operator.value, c.constraint.value) for c in crits if c.constraint]
    assert [(g[1], g[2]) for g in got] == [(e[1], e[2]) for e in expected]
    for (subj, _, _), (want, _, _) in zip(got, expected):
        if want is not None:
            assert subj == want
    for c in crits:
        assert text[c.start:c.end] == c.text


def test_criteria_age_range_statement_has_age_subject():
    _, crits = _stmts("between 18 and 80 years, ASA 1-3")
    ages = [c for c in crits if c.subject and c.subject.name == "age"]
    assert len(ages) == 1 and ages[0].constraint.upper == 80.0


def test_criteria_second_age_bound_stays_with_age():
    _, crits = _stmts("Age <18 or >80 years")
    assert all(c.subject is not None and c.subject.name == "age" for c in crits if c.constraint)
    assert sorted(c.constraint.value for c in crits if c.constraint) == [18.0, 80.0]


def test_criteria_gestational_age_is_not_the_persons_age():
    _, crits = _stmts("Gestational age < 32 weeks")
    assert len(crits) == 1 and crits[0].subject.name == "gestational_age"


@pytest.mark.parametrize("line,value", [("Gleason score 7", 7.0), ("Karnofsky performance status of 70", 70.0)])
def test_criteria_bare_score_value_is_an_equality(line, value):
    _, crits = _stmts(line)
    assert crits[0].constraint is not None
    assert (crits[0].constraint.operator.value, crits[0].constraint.value) == ("=", value)


def test_criteria_no_numeric_constraint_is_lost():
    _, crits = _stmts("Musculoskeletal pain in at least one shoulder for at least three months")
    got = sorted((c.constraint.operator.value, c.constraint.value) for c in crits if c.constraint)
    assert got == [(">=", 1.0)]
    # the duration in words is a window like "for at least 3 months" (11.32)
    assert {(c.temporal.relation, c.temporal.amount, c.temporal.unit) for c in crits} == {("more_than", 3.0, "month")}


def test_criteria_sex_specific_second_limit_keeps_the_subject():
    _, crits = _stmts("Hemoglobin ≥ 10 g/dL for men and ≥ 9 g/dL for women")
    assert [(c.subject.name, c.constraint.value) for c in crits] == [("hemoglobin", 10.0), ("hemoglobin", 9.0)]


def test_criteria_conditional_limit_in_parentheses_is_distributed():
    _, crits = _stmts("ALT and AST ≤ 2.5 × ULN (≤ 5 × ULN if liver metastases are present)")
    got = sorted((c.subject.name, c.constraint.value) for c in crits)
    assert got == [("alt", 2.5), ("alt", 5.0), ("ast", 2.5), ("ast", 5.0)]
    assert all(c.constraint.text.endswith("ULN") for c in crits)


def test_criteria_healthy_sex_and_age_are_three_statements():
    _, crits = _stmts("Healthy male or female volunteers aged 18 to 55 years, inclusive")
    assert [c.text for c in crits][:2] == ["Healthy", "male or female"]
    assert crits[1].subject.name == "sex" and crits[2].subject.name == "age"


def test_criteria_children_of_an_exception_lead_in_are_exceptions():
    text = ("Exclusion Criteria:\n1. Malignancy within 5 years, with the following exceptions:\n"
            "   a. treated basal cell carcinoma\n   b. prostate cancer under active surveillance\n")
    crits = build_criteria(Trial("T", "t", text))
    assert [c.text for c in crits] == ["Malignancy within 5 years"]
    assert [e.text for e in crits[0].exceptions] == ["treated basal cell carcinoma",
                                                    "prostate cancer under active surveillance"]
    assert crits[0].polarity.value == "exclude"


def test_criteria_bare_value_of_a_second_subject_is_kept():
    _, crits = _stmts("Age 18 years or older and weight 40 kg")
    assert [(c.subject.name, c.constraint.value) for c in crits] == [("age", 18.0), ("weight", 40.0)]


@pytest.mark.parametrize(
    "line,flag",
    [("Suspected or confirmed COVID-19 infection", "hypothetical:uncertain"),
     ("Planned major surgery during the study", "hypothetical:future"),
     ("Patients at high risk of falls", "hypothetical:risk")],
)
def test_criteria_hypothetical_statements_are_flagged(line, flag):
    _, crits = _stmts(line)
    assert flag in crits[0].flags


def test_criteria_plain_facts_have_no_hypothetical_flag():
    _, crits = _stmts("Confirmed COVID-19 infection")
    assert not any(f.startswith("hypothetical") for f in crits[0].flags)


@pytest.mark.parametrize(
    "line,parts",
    [("Active bleeding or high risk of bleeding as judged by the investigator",
      ["Active bleeding", "high risk of bleeding as judged by the investigator"]),
     ("Pregnancy, breastfeeding or intention of becoming pregnant",
      ["Pregnancy, breastfeeding", "intention of becoming pregnant"]),
     ("History of myocardial infarction or unstable angina", ["History of myocardial infarction or unstable angina"]),
     ("eGFR < 30 mL/min/1.73m² or receiving dialysis", ["eGFR < 30 mL/min/1.73m²", "receiving dialysis"]),
     ("Women must be postmenopausal or, if of childbearing potential, must use an effective method of contraception",
      ["Women must be postmenopausal", "if of childbearing potential, must use an effective method of contraception"]),
     # two counts, each with its own window
     ("At least one relapse within the previous 12 months or at least two relapses within the previous 24 months",
      ["At least one relapse within the previous 12 months", "at least two relapses within the previous 24 months"]),
     # "or any <class>" ends a list (§11.11); "or any condition that ..." stands alone (§11.10)
     ("Receipt of immunoglobulins or any blood products since birth",
      ["Receipt of immunoglobulins or any blood products since birth"]),
     ("History of seizures or any condition that may predispose to seizures",
      ["History of seizures", "condition that may predispose to seizures"]),  # 11.460
     # a fallback in parentheses; "or expected to be required"; "or who plan to ..."
     ("MMSE ≥ 24 (or MoCA ≥ 18 if the MMSE is not available)", ["MMSE ≥ 24", "MoCA ≥ 18 if the MMSE is not available"]),
     ("Live vaccines within 4 weeks before randomization or expected to be required during the study",
      ["Live vaccines within 4 weeks before randomization", "expected to be required during the study"]),
     ("Women who are pregnant or breastfeeding, or who plan to become pregnant during the study",
      ["Women who are pregnant or breastfeeding", "plan to become pregnant during the study"]),
     # a condition or a measured limit
     ("Uncontrolled diabetes or HbA1c > 10%", ["Uncontrolled diabetes", "HbA1c > 10%"])],
)
def test_criteria_or_alternatives_that_stand_alone_are_split(line, parts):
    _, crits = _stmts(line)
    assert [c.text for c in crits] == parts
    if len(parts) > 1:
        assert {c.logic.op.value for c in crits} == {"OR"}


def test_criteria_sex_specific_limits_carry_their_subgroup():
    _, crits = _stmts("QTcF > 450 ms in males or > 470 ms in females")
    assert [(c.text, c.constraint.value, c.condition.text) for c in crits] == [
        ("QTcF > 450 ms in males", 450.0, "in males"),
        ("QTcF > 450 ms in males or > 470 ms in females", 470.0, "in females"),
    ]


def test_criteria_unit_written_once_after_the_last_bound():
    _, crits = _stmts("Resting heart rate < 50 or > 110 beats per minute")
    assert [(c.constraint.unit, c.constraint.unit_normalized) for c in crits] == [
        (None, "/min"), ("beats per minute", "/min")]


def test_criteria_combined_blood_pressure_is_two_limits():
    _, crits = _stmts("Seated blood pressure < 140/90 mmHg at screening")
    assert [(c.subject.name, c.constraint.operator.value, c.constraint.value, c.constraint.unit_normalized)
            for c in crits] == [("bp.systolic", "<", 140.0, "mm[Hg]"), ("bp.diastolic", "<", 90.0, "mm[Hg]")]


@pytest.mark.parametrize(
    "line,parts",
    [("Chronic heart failure diagnosed at least 3 months before screening, with NYHA class II to IV symptoms",
      ["Chronic heart failure diagnosed at least 3 months before screening", "NYHA class II to IV symptoms"]),
     ("Metastatic urothelial carcinoma with progression on prior platinum-based chemotherapy",
      ["Metastatic urothelial carcinoma", "progression on prior platinum-based chemotherapy"]),
     ("Anticancer therapy, including chemotherapy or biologic therapy, within 3 weeks before the first dose",
      ["Anticancer therapy, including chemotherapy or biologic therapy, within 3 weeks before the first dose"]),
     # what an exception measures does not make the example list a statement of its own
     ("Any prescription drug, including vitamins, within 7 days before dosing, except ibuprofen up to 1200 mg/day",
      ["Any prescription drug, including vitamins, within 7 days before dosing, except ibuprofen up to 1200 mg/day"]),
     # "A on, or B to, X" and "A, or B in Y, of X" share one object: not split
     ("Disease progression on, or intolerance to, at least one prior platinum-based regimen",
      ["Disease progression on, or intolerance to, at least one prior platinum-based regimen"]),
     ("Personal history, or history in a sibling, of sudden cardiac death",
      ["Personal history, or history in a sibling, of sudden cardiac death"]),
     # a part split off starts after its article; the part before ends before "and a" / "with a"
     ("Clinically significant heart disease, including a myocardial infarction within 6 months",
      ["Clinically significant heart disease", "myocardial infarction within 6 months"]),
     ("ECOG 0-1 and a life expectancy of at least 12 weeks", ["ECOG 0-1", "life expectancy of at least 12 weeks"]),
     ("Born at ≥ 36 weeks of gestation with a birth weight ≥ 2.5 kg",
      ["Born at ≥ 36 weeks of gestation", "birth weight ≥ 2.5 kg"]),
     # a bare threshold in parentheses measures the term before it: one statement
     ("Heavy drinking (more than 14 units per week)", ["Heavy drinking (more than 14 units per week)"]),
     ("HbA1c 7.5%-11.0% while on a stable dose of metformin for at least 8 weeks",
      ["HbA1c 7.5%-11.0%", "stable dose of metformin for at least 8 weeks"]),
     # an age followed by a second requirement
     ("Adults ≥ 18 years old with biopsy-proven lupus nephritis", ["Adults ≥ 18 years old", "biopsy-proven lupus nephritis"]),
     ("aged 18 years or older receiving peritoneal dialysis for at least 3 months",
      ["aged 18 years or older", "receiving peritoneal dialysis for at least 3 months"]),
     # second requirements after "and": a test, an agreement, a negated finding; not "and no more than"
     ("Women of childbearing potential must use two methods of contraception and have a negative serum pregnancy test",
      ["Women of childbearing potential must use two methods of contraception", "have a negative serum pregnancy test"]),
     ("Newly diagnosed tuberculosis confirmed by culture and no isoniazid resistance detected",
      ["Newly diagnosed tuberculosis confirmed by culture", "no isoniazid resistance detected"]),
     ("Last chemotherapy dose given at least 3 weeks and no more than 6 weeks before enrolment",
      ["Last chemotherapy dose given at least 3 weeks and no more than 6 weeks before enrolment"]),
     # a limit followed by "on a stable ..." regimen: two requirements
     ("If diabetic, HbA1c ≤ 9.5% on a stable glucose-lowering regimen for at least 3 months",
      ["If diabetic, HbA1c ≤ 9.5%", "stable glucose-lowering regimen for at least 3 months"]),
     # a population noun before "aged" stays with the age
     ("Recipients aged 18-70 years", ["Recipients aged 18-70 years"]),
     # inclusion: a diagnosis "with" a measured requirement is two requirements (exclusion keeps one, §11.17)
     ("Metastatic prostate cancer with serum testosterone < 50 ng/dL",
      ["Metastatic prostate cancer", "serum testosterone < 50 ng/dL"]),
     # alternatives inside one requirement ("or from ...") are not split
     ("Written informed consent from the participant, or from a legal representative if the participant lacks capacity",
      ["Written informed consent from the participant, or from a legal representative if the participant lacks capacity"]),
     # the range of a rating scale is not a limit
     ("Average pain intensity >= 5 on the 0-10 Numeric Rating Scale during the 7-day baseline period",
      ["Average pain intensity >= 5 on the 0-10 Numeric Rating Scale during the 7-day baseline period"])],
)
def test_criteria_second_requirements_and_example_lists(line, parts):
    _, crits = _stmts(line)
    assert [c.text for c in crits if "exception" not in c.flags] == parts


@pytest.mark.parametrize(
    "line,category",
    [("Use of insulin within the past 3 months", "therapy"),
     ("Use of any prescription medication within 14 days other than hormonal contraceptives", "therapy"),
     ("Fasting glucose ≥ 7 mmol/L", "lab"),
     # disease morphology and therapy words that registries use without a generic head word
     ("Hepatic encephalopathy", "condition"),
     ("Activating KRAS mutation", "condition"),
     ("Chronic pancreatitis", "condition"),
     ("Red blood cell transfusion within 14 days", "therapy"),
     ("Receipt of immunoglobulins or blood products", "therapy"),
     ("Panretinal photocoagulation within 4 months", "procedure"),
     ("Life expectancy of at least 12 weeks in the opinion of the investigator", "life_expectancy")],
)
def test_criteria_category_of_taken_analytes_and_exceptions(line, category):
    _, crits = _stmts(line)
    assert crits[0].category.value == category


def test_statement_cues_cached_by_piece_match_direct_calls():
    """`_statement_cues` computes on text[s-1:e] and caches: the same as the stages on the whole text."""
    from pipeline import negation
    from pipeline.criteria import _statement_cues, hypothetical_flags
    from pipeline.temporal import find_periods

    text = "x No history of suspected infection; planned surgery.\nNo current smoking or no prior chemotherapy"
    for s, e, subj, prot in ((0, 36, None, []), (3, 36, 20, [(5, 9)]), (54, len(text), 60, []),
                             (55, len(text), None, [(60, 70)]), (37, 53, 100, [])):
        for _ in range(2):  # computed, then from the cache
            assert _statement_cues(text, s, e, subj, prot) == (
                find_periods(text, s, e), negation.find_cue(text, s, e, subj, prot), hypothetical_flags(text, s, e))


def test_criteria_age_after_for_is_a_reference_not_a_subject():
    _, crits = _stmts("ALT =< 3 x ULN for age and creatinine =< 1.5 mg/dL")
    assert [(c.text, c.subject.name) for c in crits] == [("ALT =< 3 x ULN for age", "alt"),
                                                         ("creatinine =< 1.5 mg/dL", "creatinine")]


def test_criteria_look_back_window_wins_over_an_exposure_duration():
    _, crits = _stmts("Systemic corticosteroids for more than 7 days within the previous 3 months")
    t = crits[0].temporal
    assert (t.relation, t.amount, t.unit) == ("within", 3.0, "month")


def test_criteria_unit_equivalent_in_parentheses_is_inside_the_statement():
    # the same limit in other units is no statement of its own (GUIDELINES 11.7, 11.124); the subject stays
    _, crits = _stmts("Serum calcium between 8.5 and 10.5 mg/dL (2.1 to 2.6 mmol/L) after a calcium supplement washout")
    assert [(c.subject.name, c.constraint.unit_normalized) for c in crits] == [("calcium", "mg/dL")]
    assert "(2.1 to 2.6 mmol/L)" in crits[0].text
    # a second limit for a subgroup is a statement (11.40): the first ends before it
    _, crits = _stmts("Haemoglobin ≥ 10 g/dL (≥ 9 g/dL for women)")
    assert [(c.text, c.constraint.value, c.condition and c.condition.text) for c in crits] == [
        ("Haemoglobin ≥ 10 g/dL", 10.0, None), ("Haemoglobin ≥ 10 g/dL (≥ 9 g/dL for women)", 9.0, "for women")]


def test_criteria_specimen_goes_with_the_next_analyte():
    _, crits = _stmts("HBsAg positive and peripheral blood HBV DNA > 2000 IU/mL")
    assert [c.text for c in crits] == ["HBsAg positive", "peripheral blood HBV DNA > 2000 IU/mL"]


def test_criteria_limits_in_an_example_list_are_flagged_not_split():
    line = "At least one risk factor for severe disease (e.g., age over 65 years, BMI ≥ 35 kg/m², diabetes)"
    _, crits = _stmts(line)
    assert {c.text for c in crits} == {line}
    assert [("example" in c.flags) for c in crits] == [False, True, True]


@pytest.mark.parametrize(
    "line,main_constraint,excepted",
    [("Use of any prescription medication within 14 days before dosing, except paracetamol up to 2 g/day", None, 2.0),
     ("Active CNS metastases (except asymptomatic lesions ≤ 1 cm that have not required steroids)", None, 1.0)],
)
def test_criteria_limit_inside_an_exception_is_not_the_statements(line, main_constraint, excepted):
    _, crits = _stmts(line)
    main = [c for c in crits if "exception" not in c.flags]
    flagged = [c for c in crits if "exception" in c.flags]
    assert [c.text for c in main] == [line] and main[0].constraint is None
    assert [c.constraint.value for c in flagged] == [excepted]
    assert flagged[0].start == main[0].start and flagged[0].end == main[0].end


def test_criteria_named_subject_after_an_exception_keeps_its_statement():
    _, crits = _stmts("ALT ≤ 3 × ULN except in patients with liver metastases, and creatinine ≤ 1.5 mg/dL")
    assert [(c.subject.name, "exception" in c.flags) for c in crits] == [("alt", False), ("creatinine", False)]


def test_criteria_parenthesised_sex_limits_are_subgroups_not_alternatives():
    _, crits = _stmts("QTcF > 450 ms (men) or > 470 ms (women)")
    got = [(c.text, c.constraint.value, c.condition.text, c.logic.op.value) for c in crits]
    assert got == [("QTcF > 450 ms (men)", 450.0, "men", "AND"),
                   ("QTcF > 450 ms (men) or > 470 ms (women)", 470.0, "women", "AND")]


def test_criteria_measurement_inside_unless_belongs_to_the_exception():
    line = "Positive HCV antibody unless HCV RNA has been undetectable for at least 2 years"
    _, crits = _stmts(line)
    main = [c for c in crits if "exception" not in c.flags]
    flagged = [c for c in crits if "exception" in c.flags]
    assert [(c.text, c.subject.name, c.temporal) for c in main] == [(line, "hcv.antibody", None)]
    assert [e.text for e in main[0].exceptions] == ["HCV RNA has been undetectable for at least 2 years"]
    assert [(c.subject.name, c.constraint.qualitative, c.exceptions) for c in flagged] == [("hcv.rna", "undetectable", [])]


def test_criteria_nursing_home_is_not_breastfeeding():
    _, crits = _stmts("Resident of a nursing home")
    assert crits[0].category.value != "pregnancy"


def test_criteria_exclusion_condition_with_a_measurement_stays_one_statement():
    text = "Exclusion Criteria:\n- HIV co-infection with CD4 count < 200 cells/µL\n"
    crits = build_criteria(Trial("T", "t", text))
    assert [c.text for c in crits] == ["HIV co-infection with CD4 count < 200 cells/µL"]


def test_criteria_coordinated_subjects_sharing_a_limit_stay_together():
    _, crits = _stmts("Creatinine clearance or radioisotope GFR >= 70 mL/min/1.73 m2")
    assert {c.text for c in crits} == {"Creatinine clearance or radioisotope GFR >= 70 mL/min/1.73 m2"}


def test_criteria_range_of_durations_keeps_its_first_window():
    _, crits = _stmts("Last radiotherapy given at least 4 weeks and no more than 8 weeks before enrolment")
    t = crits[0].temporal
    assert (t.relation, t.amount, t.unit) == ("more_than", 4.0, "week")


@pytest.mark.parametrize("line,unit", [("Systolic BP ≥ 180", "mm[Hg]"), ("BMI 18.5-30", "kg/m2"), ("Platelets ≥ 100", None)])
def test_criteria_bare_number_takes_the_unit_the_lexicon_implies(line, unit):
    _, crits = _stmts(line)
    c = crits[0].constraint
    assert (c.unit, c.unit_normalized) == (None, unit)


@pytest.mark.parametrize(
    "section,line,negated,polarity",
    [("Exclusion", "Pregnant or nursing women are excluded", False, "exclude"),
     ("Exclusion", "Live vaccines are not allowed within 30 days before dosing", False, "exclude"),
     ("Inclusion", "Patients with brain metastases are excluded", True, "exclude")],
)
def test_criteria_excluded_restates_the_exclusion_section(section, line, negated, polarity):
    text = f"{section} Criteria:\n- {line}\n"
    (c,) = build_criteria(Trial("T", "t", text))
    assert (c.negated, c.polarity.value) == (negated, polarity)


@pytest.mark.parametrize(
    "line,excepted",
    [
        # a modifier without a head of its own shares the next item's head (GUIDELINES 11.119)
        ("Prior cancer in the last 3 years, except for treated squamous cell or basal cell carcinoma of the skin, "
         "or cervical carcinoma in situ", ["treated squamous cell or basal cell carcinoma of the skin",
                                           "cervical carcinoma in situ"]),
        ("Other malignancy except melanoma in situ, gastric or colonic carcinoma in situ",
         ["melanoma in situ", "gastric or colonic carcinoma in situ"]),
        # "during or after": one time phrase, not two excepted things
        ("Washout of 3 weeks since prior biologic therapy, except in patients with relapse during or after "
         "first-line therapy", ["relapse during or after first-line therapy"]),
    ],
)
def test_criteria_exception_items_keep_shared_heads(line, excepted):
    text, crits = _stmts(line)
    assert len(crits) == 1
    assert [e.text for e in crits[0].exceptions] == excepted


@pytest.mark.parametrize(
    "line,excepted",
    [
        # a relative clause belongs to the item it follows; the items before it are split as usual (11.41, 11.150)
        ("Another invasive cancer, except superficial bladder cancer, melanoma in situ, and prostate cancer that was "
         "removed surgically and has an undetectable PSA",
         ["superficial bladder cancer", "melanoma in situ",
          "prostate cancer that was removed surgically and has an undetectable PSA"]),
        # an adverb before a participle is a modifier too: the bare "squamous cell" shares the next item's head
        ("Cancer within 2 years except curatively excised squamous cell or basal cell skin cancer or cervical "
         "intraepithelial neoplasia", ["curatively excised squamous cell or basal cell skin cancer",
                                        "cervical intraepithelial neoplasia"]),
        # a trailing predicate is not part of the excepted thing
        ("Metal implants in the head other than dental fillings will be excluded", ["dental fillings"]),
        ("Earlier cancers other than those listed under item 3 are ineligible", ["those listed under item 3"]),
        # "except as specifically allowed", "unless expressly excluded": a reference, no excepted thing
        ("Antifungal agents, except as specifically allowed", []),
        ("Herbal supplements unless expressly excluded", []),
        # numbers and bare words share the next head; one bare word after a prepositional phrase is its object (11.151)
        ("Mood disorders other than bipolar I or II disorder", ["bipolar I or II disorder"]),
        ("Any cancer, except carcinoma in situ of the cervix or breast", ["carcinoma in situ of the cervix or breast"]),
        ("Liver disease other than acute or chronic hepatitis B infection", ["acute or chronic hepatitis B infection"]),
        ("Earlier malignancy except localized prostate or breast cancer treated with curative intent",
         ["localized prostate or breast cancer treated with curative intent"]),
        ("Myeloid neoplasm other than CMML or JMML subtypes", ["CMML or JMML subtypes"]),
        # a class noun written once keeps its short names also when a participle or window follows it
        ("Recent vaccination, other than influenza or COVID-19 vaccines given at least 14 days before the first dose",
         ["influenza or COVID-19 vaccines given at least 14 days before the first dose"]),
        ("Any chronic illness except hypertension or type 2 diabetes", ["hypertension", "type 2 diabetes"]),
        # a window after a comma, a predicate after "but", leading punctuation: not the exception's
        ("Major surgery for any reason, except diagnostic biopsy, within 4 weeks of randomization",
         ["diagnostic biopsy"]),
        ("Chronic conditions other than asthma but are controlled by medication", ["asthma"]),
        # set G conventions (11.155): a shared "dose of"; a group of people with two findings; the people word goes;
        # a passive or the statement's predicate at the end is not excepted
        ("Biologic therapy within 8 weeks, except a low dose of methotrexate or leflunomide begun at least 6 months "
         "earlier", ["low dose of methotrexate or leflunomide begun at least 6 months earlier"]),
        ("Reactive HIV or HBV serology, with the exception of participants with a reactive HBV core antibody and "
         "negative HBV DNA", ["reactive HBV core antibody and negative HBV DNA"]),
        ("Positive tuberculin test, except subjects already completing isoniazid prophylaxis",
         ["already completing isoniazid prophylaxis"]),
        ("Bleeding risk, except when a surgical repair is scheduled", ["surgical repair"]),
        ("Any other primary psychiatric diagnosis, except insomnia or nightmares, is exclusionary",
         ["insomnia or nightmares"]),
        # an exception that opens the statement ends at its comma; "from" goes; hyphenated modifiers share the head;
        # a group of people is one item until ", or" (11.161)
        ("Other than eczema, any chronic skin disease needing systemic treatment", ["eczema"]),
        ("Liver fibrosis other than from alcohol", ["alcohol"]),
        ("Prior cancer, except for cured thyroid cancer, fully-excised and node-negative, early-stage melanoma, or "
         "carcinoma in situ of the cervix", ["cured thyroid cancer", "fully-excised and node-negative, early-stage melanoma",
                                             "carcinoma in situ of the cervix"]),
        ("Bilirubin ≤ 1.5 × ULN, unless Gilbert syndrome is documented, in which case direct bilirubin must be normal",
         ["Gilbert syndrome"]),
        # set H conventions (11.166): a modal relative clause or an "(e.g. ...)" list is about the statement's head;
        # short names sharing a trailing participle are one item; "which may be given" is a permission (11.109)
        ("Any movement disorder other than essential tremor that may affect gait (e.g., dystonia, chorea)",
         ["essential tremor"]),
        ("Chronic headache other than migraine requiring daily medication (e.g., cluster headache)", ["migraine"]),
        ("Prior bariatric surgery, except gastric banding or sleeve gastrectomy performed over 2 years ago",
         ["gastric banding or sleeve gastrectomy performed over 2 years ago"]),
        ("Any live vaccine within 30 days, except oral typhoid vaccine, which may be given up to 7 days before",
         ["oral typhoid vaccine, which may be given up to 7 days before"]),
        # "unless due to A or B": the causes are the excepted things (11.179); a PP's two objects stay one (11.170)
        ("Serum creatinine ≤ 1.5 × ULN, unless due to dehydration or tumour lysis", ["dehydration", "tumour lysis"]),
        ("Platelets < 50 × 10^9/L, unless attributed to marrow infiltration", ["marrow infiltration"]),
        # an "unless" clause holds a nested "other than" (set K, 11.308)
        ("Prior dupilumab or another IL-4 antibody, unless stopped at least 6 months ago for reasons other than "
         "inefficacy", ["stopped at least 6 months ago for reasons other than inefficacy"]),
        # examples right after the excepted thing are part of it (set O 11.500)
        ("Autoimmune disease needing systemic treatment, other than replacement therapy (e.g., thyroxine or insulin)",
         ["replacement therapy (e.g., thyroxine or insulin)"]),
        # "for reasons other than" and "N days apart from" open no exception of their own (set M)
        ("Any prior biologic, except one IL-17 inhibitor stopped for reasons other than lack of efficacy",
         ["one IL-17 inhibitor stopped for reasons other than lack of efficacy"]),
        ("Any other vaccine within 28 days, except influenza vaccines, which may be given at least 7 days apart from "
         "the study vaccine", ["influenza vaccines, which may be given at least 7 days apart from the study vaccine"]),
        # an "unless" clause keeps its own window (set L)
        ("Acute rejection on the index biopsy, unless treated and resolved on a repeat biopsy before randomisation",
         ["treated and resolved on a repeat biopsy before randomisation"]),
        ("Any topical steroid within 1 week, except mild steroids on the scalp and skin folds",
         ["mild steroids on the scalp and skin folds"]),
        ("Inhaled steroids other than low-dose or medium-dose budesonide", ["low-dose or medium-dose budesonide"]),
        ("Other cancers, with the exception of those with a low risk of recurrence and treated with curative intent, "
         "or localized thyroid cancer", ["low risk of recurrence and treated with curative intent",
                                          "localized thyroid cancer"]),
    ],
)
def test_criteria_exception_items_relative_clauses_and_predicates(line, excepted):
    text, crits = _stmts(line)
    assert [e.text for e in crits[0].exceptions] == excepted


@pytest.mark.parametrize(
    "line,parts",
    [
        # a second requirement after "and" (11.156): a second verb of the same modal, a clause with its own subject and
        # modal, "at a stable dose"; a split-off part starts at its noun
        ("Participants must be 40 to 70 years old and meet ICHD-3 criteria for chronic migraine",
         ["Participants must be 40 to 70 years old", "meet ICHD-3 criteria for chronic migraine"]),
        ("If on valproate, the dose must be unchanged for 8 weeks and the valproate level must be 50-100 mg/L",
         ["If on valproate, the dose must be unchanged for 8 weeks", "valproate level must be 50-100 mg/L"]),
        ("Prednisone, if used, must be ≤ 7.5 mg/day and at a stable dose for at least 2 weeks before day 1",
         ["Prednisone, if used, must be ≤ 7.5 mg/day", "stable dose for at least 2 weeks before day 1"]),
        # OR alternatives (11.157): "A, or B, or C" with whole criteria; "or plan to"; "at least" is no preposition
        ("High risk of self-harm per the investigator, or a self-harm act in the past year, or a positive answer to "
         "item 5 of the screening questionnaire within the past month",
         ["High risk of self-harm per the investigator", "self-harm act in the past year",
          "positive answer to item 5 of the screening questionnaire within the past month"]),
        ("Women who are breastfeeding or plan to breastfeed during the study",
         ["Women who are breastfeeding", "plan to breastfeed during the study"]),
        ("At least 3 flares, or at least 1 flare needing intravenous steroids, in the 24 months before screening",
         ["At least 3 flares", "at least 1 flare needing intravenous steroids, in the 24 months before screening"]),
        # a test result is a requirement of its own in inclusion; so is a new group of people after ", or" (11.158)
        ("Admitted with community-acquired pneumonia and a positive urinary antigen test for Legionella",
         ["Admitted with community-acquired pneumonia", "positive urinary antigen test for Legionella"]),
        ("Confirmed malaria on microscopy with a positive rapid diagnostic test, artemisinin resistance not detected",
         ["Confirmed malaria on microscopy", "positive rapid diagnostic test", "artemisinin resistance not detected"]),
    ],
)
def test_criteria_second_requirement_after_and(line, parts):
    text, crits = _stmts(line)
    assert [c.text for c in crits if "exception" not in c.flags] == parts


@pytest.mark.parametrize(
    "line,parts",
    [
        # counts of different things, each with its own limit (§2, 11.163)
        ("≥ 4 painful joints (of 28) and ≥ 4 swollen joints (of 28)",
         ["≥ 4 painful joints (of 28)", "≥ 4 swollen joints (of 28)"]),
        ("SLEDAI score > 6, ≥ 2 affected organ systems", ["SLEDAI score > 6", "≥ 2 affected organ systems"]),
        # a test result that confirms the statement; a stable regimen after a diagnosis (inclusion, 11.163)
        ("Not breastfeeding, as confirmed by a negative serum hCG test at screening",
         ["Not breastfeeding", "negative serum hCG test at screening"]),
        ("Confirmed chronic hepatitis B on a stable nucleoside analogue regimen for at least 12 months",
         ["Confirmed chronic hepatitis B", "stable nucleoside analogue regimen for at least 12 months"]),
        # a term defined by a measured limit in parentheses, then another measured alternative (11.5, 11.167)
        ("Severe hepatic impairment (bilirubin > 3 mg/dL) or INR > 1.8 without anticoagulation",
         ["bilirubin > 3 mg/dL", "INR > 1.8 without anticoagulation"]),
        # ", with" after a two-word limit; two past events (11.168)
        ("HBsAg positive, with HBV DNA detectable or undetectable", ["HBsAg positive", "HBV DNA detectable or undetectable"]),
        ("Completed the 8-week run-in period and achieved seizure freedom during the last 4 weeks",
         ["Completed the 8-week run-in period", "achieved seizure freedom during the last 4 weeks"]),
        # guards from random HINT records: a verb before "on a stable"; a bare "history or evidence of X"; a window in
        # the lead of a parenthesis that is no measured definition
        ("All patients must have been maintained on a stable dose of inhaled steroid for 4 weeks",
         ["All patients must have been maintained on a stable dose of inhaled steroid for 4 weeks"]),
        ("Any history or clinical evidence of heart failure, NYHA class II-IV",
         ["Any history or clinical evidence of heart failure, NYHA class II-IV"]),
        ("At least 21 days since prior radiotherapy (cohorts 2 and 3)", ["At least 21 days since prior radiotherapy (cohorts 2 and 3)"]),
        # set I conventions (11.271): a catch-all "or other condition that ..."; "or of childbearing potential and ...";
        # a second verb of the modal ("and use ...")
        ("Short bowel syndrome or other condition that prevents oral dosing",
         ["Short bowel syndrome", "other condition that prevents oral dosing"]),
        ("Women who are pregnant or lactating, or of childbearing potential and not using contraception",
         ["Women who are pregnant or lactating", "of childbearing potential and not using contraception"]),
        ("Women of childbearing potential must have a negative urine hCG at screening and use a barrier method",
         ["Women of childbearing potential must have a negative urine hCG at screening", "use a barrier method"]),
        # set J conventions (11.274)
        ("Known creatinine clearance < 15 mL/min, or dialysis", ["Known creatinine clearance < 15 mL/min", "dialysis"]),
        ("Use of any antiepileptic within the previous 14 days, or of phenobarbital within 2 months",
         ["Use of any antiepileptic within the previous 14 days", "of phenobarbital within 2 months"]),
        ("Infants born at ≥ 35 weeks of gestation with a birth weight of at least 2,000 g",
         ["Infants born at ≥ 35 weeks of gestation", "birth weight of at least 2,000 g"]),
        ("Heart failure, stroke in the past 6 months, or other condition in which exertion is unsafe",
         ["Heart failure, stroke in the past 6 months", "other condition in which exertion is unsafe"]),
        ("Fever (oral temperature ≥ 38.0 °C) at screening", ["oral temperature ≥ 38.0 °C"]),
        ("Chronic neck pain for at least 3 months, with or without radiation to the arm",
         ["Chronic neck pain for at least 3 months, with or without radiation to the arm"]),
        # sets K and L (11.363): a short alternative right after a limit; two scores with their own limits; a score the
        # lexicon does not know after "with"; "who agree to"; a definition before a method phrase
        ("Creatinine clearance < 30 mL/min or on haemodialysis", ["Creatinine clearance < 30 mL/min", "haemodialysis"]),
        ("Weekly itch score of 12 or more and an activity score (AS7) of at least 6 during the week before day 1",
         ["Weekly itch score of 12 or more", "activity score (AS7) of at least 6 during the week before day 1"]),
        ("A target lesion of at least 2 cm² on the trunk with a lesion severity score of ≥ 3",
         ["A target lesion of at least 2 cm² on the trunk", "lesion severity score of ≥ 3"]),
        ("Women of childbearing potential with a negative pregnancy test who agree to use two methods of contraception",
         ["Women of childbearing potential with a negative pregnancy test", "agree to use two methods of contraception"]),
        ("Tumour mutational burden high (TMB of 10 or more mutations/Mb) on a validated assay",
         ["TMB of 10 or more mutations/Mb"]),
        # ... but consent items and stable doses stay whole, as sets A-J write them
        ("Able to understand and willing to sign the informed consent form",
         ["Able to understand and willing to sign the informed consent form"]),
        ("Prednisone ≤ 10 mg/day, stable for at least 4 weeks before screening",
         ["Prednisone ≤ 10 mg/day, stable for at least 4 weeks before screening"]),
        ("Baseline LVEF ≥ 55% by echocardiography or MUGA scan", ["Baseline LVEF ≥ 55% by echocardiography or MUGA scan"]),
        # sets K, M and N (11.451): a stage after a comma; ", or a family history of"
        ("Resected cutaneous melanoma with negative margins, stage III or IV (AJCC 8th edition)",
         ["Resected cutaneous melanoma with negative margins", "stage III or IV (AJCC 8th edition)"]),
        ("Known cardiomyopathy or long QT syndrome, or a family history of sudden cardiac death before the age of 40",
         ["Known cardiomyopathy or long QT syndrome", "family history of sudden cardiac death before the age of 40"]),
        # not a range of one subject, and "on stable therapy" without an article qualifies the statement
        ("Age ≥ 18 and ≤ 75 years", ["Age ≥ 18 and ≤ 75 years"]),
        ("Clinically euthyroid on stable replacement therapy", ["Clinically euthyroid on stable replacement therapy"]),
    ],
)
def test_criteria_counts_results_and_stable_regimens_split(line, parts):
    text, crits = _stmts(line)
    assert [c.text for c in crits] == parts


def test_criteria_excluding_after_a_test_is_not_an_exception():
    # "echocardiography excluding thrombus": the test rules the thrombus out (11.155)
    text, crits = _stmts("Cardiac CT scan excluding intracardiac thrombus within 72 hours before the ablation")
    assert all(not c.exceptions for c in crits)


def test_criteria_or_equivalent_is_no_alternative():
    text, crits = _stmts("Daily steroid dose above 15 mg of prednisolone or an equivalent, except topical creams")
    assert len(crits) == 1 and crits[0].logic.op.value == "AND"
    assert [e.text for e in crits[0].exceptions] == ["topical creams"]


def test_criteria_with_clause_after_an_except_item_is_the_statements_again():
    # "except X, with Y": Y says more about the statement; "unless X, with Y" goes on with the condition
    text, crits = _stmts("Use of an investigational drug other than drug Z, with the last dose within 4 weeks of day 1")
    assert [c.text for c in crits] == ["Use of an investigational drug other than drug Z",
                                       "last dose within 4 weeks of day 1"]
    text, crits = _stmts("Brain metastases, unless treated by surgery, with the patient off steroids for 2 weeks")
    assert len(crits) == 1
    assert [e.text for e in crits[0].exceptions] == ["treated by surgery, with the patient off steroids for 2 weeks"]


@pytest.mark.parametrize(
    "line,parts",
    [
        # inclusion "X with no Y" / "X and no Y": a second, negated requirement starting at "no"
        ("Clinically stable with no seizure in the 14 days before day 1",
         [("Clinically stable", False), ("no seizure in the 14 days before day 1", True)]),
        ("Closed fontanelle and no hydrocephalus", [("Closed fontanelle", False), ("no hydrocephalus", True)]),
    ],
)
def test_criteria_with_no_is_a_second_negated_requirement(line, parts):
    _, crits = _stmts(line)
    assert [(c.text, c.negated) for c in crits] == parts


def test_criteria_no_longer_than_is_an_upper_bound_and_units_keep_two_comparisons():
    # GUIDELINES 11.13 / 11.29: "no longer than" is <=; bounds in different units are two comparisons
    _, crits = _stmts("Symptom duration of at least 6 weeks and no longer than 2 years")
    assert [(c.constraint.operator.value, c.constraint.value, c.constraint.unit_normalized) for c in crits] == [
        (">=", 6.0, "wk"), ("<=", 2.0, "a")]
    _, crits = _stmts("Body weight ≥ 45 kg and ≤ 110 kg")
    assert [(c.constraint.operator.value, c.constraint.value, c.constraint.upper) for c in crits] == [
        ("between", 45.0, 110.0)]


def test_criteria_comma_list_ending_in_or_is_one_or_list():
    text = "Exclusion Criteria:\n- Haemoglobin < 9 g/dL, platelets < 100 × 10^9/L or INR > 1.5\n"
    crits = build_criteria(Trial("T", "t", text))
    assert [c.logic.op.value for c in crits] == ["OR", "OR", "OR"]
    text = "Exclusion Criteria:\n- Haemoglobin < 9 g/dL, platelets < 100 × 10^9/L and INR > 1.5\n"
    assert [c.logic.op.value for c in build_criteria(Trial("T", "t", text))] == ["AND", "AND", "AND"]


def test_criteria_negation_cue_inside_an_exception_is_not_the_statements():
    text = "Exclusion Criteria:\n- Suspected liver metastases unless ruled out by biopsy\n"
    (crit,) = build_criteria(Trial("T", "t", text))
    assert not crit.negated and crit.polarity.value == "exclude"
    assert [e.text for e in crit.exceptions] == ["ruled out by biopsy"]


@pytest.mark.parametrize(
    "line,parts",
    [
        # §11.7: a parenthesis that is a requirement of its own is its own statement
        ("Neutrophils ≥ 1.5 × 10^9/L (no filgrastim within 14 days)",
         ["Neutrophils ≥ 1.5 × 10^9/L", "no filgrastim within 14 days"]),
        # a dated condition, then a measured subject with its own limit
        ("Asthma diagnosed at least 12 months before screening, FEV1 40-80% predicted",
         ["Asthma diagnosed at least 12 months before screening", "FEV1 40-80% predicted"]),
        # a qualitative result or a measured limit: two alternatives
        ("Negative anti-HCV antibody or HCV RNA < 15 IU/mL", ["Negative anti-HCV antibody", "HCV RNA < 15 IU/mL"]),
        # a class set, then another condition with its own window
        ("NYHA class III or IV, or stroke within 3 months before day 1",
         ["NYHA class III or IV", "stroke within 3 months before day 1"]),
    ],
)
def test_criteria_second_requirements_are_split(line, parts):
    _, crits = _stmts(line)
    assert [c.text for c in crits] == parts


@pytest.mark.parametrize(
    "line,expected",
    [
        # GUIDELINES 11.40: the conditional limit is a statement of its own; the first one ends before it
        ("Creatinine ≤ 1.5 mg/dL (≤ 2.0 mg/dL if on dialysis for 3 months)",
         [("Creatinine ≤ 1.5 mg/dL", 1.5, None),
          ("Creatinine ≤ 1.5 mg/dL (≤ 2.0 mg/dL if on dialysis for 3 months)", 2.0, "if on dialysis for 3 months")]),
        ("Hemoglobin ≥ 9 g/dL, or ≥ 8 g/dL in patients with marrow infiltration",
         [("Hemoglobin ≥ 9 g/dL", 9.0, None),
          ("Hemoglobin ≥ 9 g/dL, or ≥ 8 g/dL in patients with marrow infiltration", 8.0,
           "in patients with marrow infiltration")]),
    ],
)
def test_criteria_conditional_second_limit(line, expected):
    _, crits = _stmts(line)
    got = [(c.text, c.constraint.value, c.condition.text if c.condition else None) for c in crits]
    assert got == expected
    assert all(c.logic.op.value == "AND" for c in crits)


@pytest.mark.parametrize(
    "line,parts",
    [
        # a second requirement after an age (GUIDELINES 11.65), introduced by a participle
        ("Adults ≥ 18 years living with HIV-2", ["Adults ≥ 18 years", "living with HIV-2"]),
        ("Women aged 40 years or older diagnosed with osteoporosis", ["Women", "aged 40 years or older",
                                                                     "diagnosed with osteoporosis"]),
    ],
)
def test_criteria_participle_after_an_age_is_a_second_requirement(line, parts):
    _, crits = _stmts(line)
    assert [c.text for c in crits] == parts


def test_criteria_age_without_age_word_takes_the_people_word_as_subject():
    _, crits = _stmts("Adults ≥ 21 years old")
    (c,) = crits
    assert (c.subject.name, c.subject.text) == ("age", "Adults")
    _, crits = _stmts("21 years or older")
    assert crits[0].subject.name == "age" and crits[0].subject.text == "years"


@pytest.mark.parametrize(
    "line,negated",
    [
        # a cue after the head of a statement about a thing qualifies it (GUIDELINES 11.37, 11.122)
        ("Complete heart block without an implanted pacemaker", False),
        ("Asthma that is not controlled by inhaled therapy", False),
        ("Hepatitis B infection not adequately suppressed", False),
        ("Seizure disorder that has not been stable for 6 months", False),
        ("Able to climb one flight of stairs without help", False),  # an ability, qualified (set E)
        ("Patients diagnosed with melanoma without brain metastases", False),  # "without" qualifies the melanoma
        ("Participants without prior surgery", True),  # said of the people themselves
        # statements about people keep it (11.71); a leading cue negates
        ("Female participants not using contraception", True),
        ("Post-menopausal women not taking hormone therapy", True),
        ("Without a caregiver able to attend visits", True),
        ("Has not signed the consent form", True),
    ],
)
def test_criteria_negation_of_a_qualifier_is_not_the_statements(line, negated):
    text = "Exclusion Criteria:\n- " + line + "\n"
    (c,) = build_criteria(Trial("T", "t", text))
    assert c.negated is negated


def test_criteria_children_of_one_of_the_following_are_alternatives():
    text = ("Inclusion Criteria:\n- Active disease, shown by at least one of the following:\n"
            "  - CRP ≥ 10 mg/L\n  - ESR ≥ 28 mm/h\n- Age ≥ 18 years\n")
    crits = build_criteria(Trial("T", "t", text))
    assert [(c.text, c.logic.group, c.logic.op.value) for c in crits] == [
        ("CRP ≥ 10 mg/L", "inclusion-1", "OR"), ("ESR ≥ 28 mm/h", "inclusion-1", "OR"),
        ("Age ≥ 18 years", "inclusion-2", "AND")]


@pytest.mark.parametrize("line", ["Men or women", "Men and women aged 40 to 70 years"])
def test_criteria_sex_statement_has_the_sex_words_as_subject(line):
    # GUIDELINES 11.21
    _, crits = _stmts(line)
    assert (crits[0].text, crits[0].subject.name, crits[0].subject.text) == ("Men " + line.split()[1] + " women", "sex",
                                                                             "Men " + line.split()[1] + " women")


def test_criteria_alcohol_intake_is_a_measured_lifestyle_subject():
    text = "Exclusion Criteria:\n- Regular alcohol consumption of more than 21 units per week\n"
    (c,) = build_criteria(Trial("T", "t", text))
    assert (c.subject.name, c.category.value, c.constraint.operator.value, c.constraint.value) == (
        "alcohol_intake", "lifestyle", ">", 21.0)


@pytest.mark.parametrize(
    "line,parts",
    [
        ("Myocardial infarction within 3 months before day 1 or any history of cardiac arrest",
         ["Myocardial infarction within 3 months before day 1", "history of cardiac arrest"]),  # 11.460
        ("Known allergy to sertraline or prior non-response to an adequate trial of sertraline",
         ["Known allergy to sertraline", "prior non-response to an adequate trial of sertraline"]),
    ],
)
def test_criteria_or_before_a_criterion_head_splits(line, parts):
    _, crits = _stmts(line)
    assert [c.text for c in crits] == parts and all(c.logic.op.value == "OR" for c in crits)


@pytest.mark.parametrize(
    "line,parts",
    [
        ("Adults with type 2 diabetes, 30 to 70 years of age", ["Adults with type 2 diabetes", "30 to 70 years of age"]),
        ("Outpatients with asthma, 12 years or older", ["Outpatients with asthma", "12 years or older"]),
    ],
)
def test_criteria_age_after_a_comma_is_its_own_statement(line, parts):
    _, crits = _stmts(line)
    assert [c.text for c in crits] == parts
    assert crits[1].subject.name == "age"


def test_criteria_no_bare_value_from_inside_an_exception():
    text = ("Exclusion Criteria:\n- Treatment with insulin within 3 months before screening, except short-term insulin "
            "for up to 10 days\n")
    crits = build_criteria(Trial("T", "t", text))
    main = [c for c in crits if "exception" not in c.flags]
    assert len(main) == 1 and main[0].constraint is None


@pytest.mark.parametrize(
    "line,n",
    [
        ("Splenomegaly, or portal hypertension confirmed on ultrasound imaging", 2),  # a condition, then a criterion
        ("HCV, or hepatitis B or D infection", 1),  # an abbreviation heading a list
    ],
)
def test_criteria_one_word_condition_before_comma_or(line, n):
    _, crits = _stmts(line)
    assert len(crits) == n


@pytest.mark.parametrize(
    "line,category",
    [
        ("Use of dronedarone within 30 days of day 1", "therapy"),  # a drug known by its stem
        ("Ocrelizumab or ofatumumab within 12 months", "therapy"),
        ("Exposure to quinolones in the past 30 days", "therapy"),
        ("Alcohol use disorder in the past year", "condition"),  # a use disorder is a diagnosis (all gold sets)
        ("Alcohol or cannabis dependence", "condition"),
        ("Alcohol consumption above 14 units per week", "lifestyle"),
        # progression on / refractory to prior lines is about the therapy (dev gold sets A, B, F)
        ("Disease progression after at least two prior lines of systemic treatment", "therapy"),
        ("Relapsed or refractory to at least 2 prior regimens", "therapy"),
        ("Radiographic progression per RECIST 1.1", "condition"),
        ("Use of felbamate in the past year", "therapy"),  # "use of" a substance that is no drug of abuse
        ("Use of cannabis within 4 weeks", "lifestyle"),
    ],
)
def test_criteria_category_from_drug_stems_and_use_disorders(line, category):
    text = "Exclusion Criteria:\n- " + line + "\n"
    assert build_criteria(Trial("T", "t", text))[0].category.value == category


@pytest.mark.parametrize(
    "line",
    ["Healthy", "Medically stable", "Any other illness which, per the investigator, would make participation unsafe"])
def test_criteria_judgment_statements(line):
    # GUIDELINES 11.42
    (c,) = build_criteria(Trial("T", "t", "Inclusion Criteria:\n- " + line + "\n"))
    assert (c.category.value, c.computable) == ("judgment", False)


def test_criteria_intended_part_is_an_alternative():
    text = "Exclusion Criteria:\n- Cochlear implant placed within 6 months before screening or intended during the study\n"
    first, plan = build_criteria(Trial("T", "t", text))
    assert plan.text == "intended during the study" and plan.logic.op.value == "OR"


def test_criteria_planned_part_takes_the_first_parts_category():
    # GUIDELINES 11.83
    text = "Exclusion Criteria:\n- Use of tamoxifen within 90 days before screening, or planned use during the study\n"
    first, plan = build_criteria(Trial("T", "t", text))
    assert (plan.text, plan.category.value, plan.computable, plan.reason.value, plan.subject) == (
        "planned use during the study", first.category.value, False, "administrative", None)


@pytest.mark.parametrize(
    "line,computable",
    [
        ("Prior bevacizumab or any other anti-angiogenic agent", True),  # "other" is no judgment
        ("Unstable angina within the past 3 months", True),  # a diagnosis
        ("Clinically significant cardiac disease", False),
    ],
)
def test_criteria_computable_other_and_unstable_angina(line, computable):
    (c,) = build_criteria(Trial("T", "t", "Exclusion Criteria:\n- " + line + "\n"))
    assert c.computable is computable


def test_criteria_list_conjunction_at_item_end_is_not_in_the_span():
    text = "Inclusion Criteria:\n- Active disease, defined as:\n  - ≥ 4 swollen joints and\n  - CRP ≥ 6 mg/L\n"
    crits = build_criteria(Trial("T", "t", text))
    assert [c.text for c in crits] == ["≥ 4 swollen joints", "CRP ≥ 6 mg/L"]


def test_criteria_new_group_of_people_after_a_list_is_an_alternative():
    text = "Exclusion Criteria:\n- Pregnant, lactating, or women of childbearing potential who refuse contraception\n"
    crits = build_criteria(Trial("T", "t", text))
    assert [(c.text, c.logic.op.value) for c in crits] == [
        ("Pregnant, lactating", "OR"), ("women of childbearing potential who refuse contraception", "OR")]


def test_criteria_window_for_a_subgroup_in_parentheses_is_a_second_statement():
    # 11.135 / 11.40: the first statement ends before the parenthesis, the second carries its window and condition
    text = "Exclusion Criteria:\n- Use of an MAO inhibitor within 14 days before day 1 (within 6 weeks for tranylcypromine)\n"
    crits = build_criteria(Trial("T", "t", text))
    assert [(c.text, c.temporal.amount, c.temporal.unit, c.condition and c.condition.text) for c in crits] == [
        ("Use of an MAO inhibitor within 14 days before day 1", 14.0, "day", None),
        ("Use of an MAO inhibitor within 14 days before day 1 (within 6 weeks for tranylcypromine)", 6.0, "week",
         "for tranylcypromine")]


def test_criteria_measured_definition_in_parentheses_after_a_long_term():
    # 11.5: a parenthesis that defines the term with a measured limit is the statement; a duration before it
    # ("after at least 2 weeks of ...") does not stop that, nor does a longer lead
    text = ("Inclusion Criteria:\n- Persistent hyperglycaemia after at least 2 weeks of supervised diet and exercise "
            "counselling (fasting plasma glucose > 7.0 mmol/L on 2 occasions)\n")
    crits = build_criteria(Trial("T", "t", text))
    assert {c.text for c in crits} == {"fasting plasma glucose > 7.0 mmol/L on 2 occasions"}


@pytest.mark.parametrize("line", ["Pre-eclampsia with severe features", "Candidiasis of the oesophagus",
                                  "Two or more exacerbations requiring oral steroids", "Major fetal anomaly",
                                  "Persistent AF for more than 7 days", "Chronic neutropenia"])
def test_criteria_condition_words_beyond_the_lexicon(line):
    # §4: disease word shapes ("-iasis", "-ampsia", "-penia"), exacerbations, anomalies, AF are conditions
    _, crits = _stmts(line)
    assert crits[0].category.value == "condition"


def test_criteria_or_after_an_exception_list_is_one_more_excepted_thing():
    # 11.164: a bare name after ", or" inside an exception list stays in it; a criterion head opens a statement
    _, crits = _stmts("Cancer within 3 years except excised squamous cell or basal cell carcinoma, or ductal carcinoma in situ")
    assert len(crits) == 1
    assert [e.text for e in crits[0].exceptions] == ["excised squamous cell or basal cell carcinoma", "ductal carcinoma in situ"]
    _, crits = _stmts("Cancer within 3 years except excised basal cell carcinoma, or any history of melanoma")
    assert [c.text for c in crits] == ["Cancer within 3 years except excised basal cell carcinoma", "history of melanoma"]  # 11.460


def test_criteria_parenthesis_inside_an_exception_is_not_a_definition():
    # "(stage 0-II)" qualifies the excepted cancer; the statement is the whole item (11.5 needs no exception before it)
    _, crits = _stmts("No other invasive cancer within the past 5 years except localized basal cell or squamous "
                      "cell skin cancer (stage 0-II)")
    assert {c.text for c in crits} == {"No other invasive cancer within the past 5 years except localized basal cell "
                                       "or squamous cell skin cancer (stage 0-II)"}


@pytest.mark.parametrize("line", ["Planning to become pregnant during the study", "Scheduled for elective surgery during the trial",
                                  "Plan to father a child within 6 months after the last dose"])
def test_criteria_a_plan_is_not_computable(line):
    # 11.44: planned or scheduled things are administrative: no record holds them as facts
    _, crits = _stmts(line)
    assert (crits[-1].computable, crits[-1].reason.value) == (False, "administrative")


def test_criteria_commas_inside_parentheses_do_not_make_a_list():
    # ", or known thrombophilia" after "(e.g. A, B, C)": the commas are the example list's, not the statement's
    _, crits = _stmts("Venous thromboembolism (e.g. deep vein thrombosis, pulmonary embolism) at any time, or known "
                      "antiphospholipid syndrome")
    assert [c.text for c in crits] == ["Venous thromboembolism (e.g. deep vein thrombosis, pulmonary embolism) at any time",
                                       "known antiphospholipid syndrome"]


def test_criteria_shared_result_before_or_with_a_duration_stays_one_statement():
    # "positive HBsAg or HBV DNA for at least 6 months": the duration is a window, not a limit of HBV DNA
    _, crits = _stmts("Positive HBsAg or HBV DNA for at least 6 months prior to screening")
    assert {c.text for c in crits} == {"Positive HBsAg or HBV DNA for at least 6 months prior to screening"}


@pytest.mark.parametrize("line,category", [("ABCD2 score ≥ 4", "score"), ("Serum calcitonin ≥ 20 ng/L at screening", "lab")])
def test_criteria_category_of_a_limit_on_an_unknown_subject(line, category):
    # a score word or a laboratory unit says what kind of measurement the lexicon does not know
    _, crits = _stmts(line)
    assert crits[0].category.value == category


def test_criteria_a_later_label_takes_over_the_lead():
    text = "PATIENT CHARACTERISTICS: Hepatic: Bilirubin normal Renal: Creatinine no greater than 1.5 mg/dL\n"
    crits = build_criteria(Trial("T", "t", text))
    assert [(c.text, c.lead_in) for c in crits] == [("Bilirubin normal", "Hepatic"),
                                                    ("Creatinine no greater than 1.5 mg/dL", "Renal")]


def test_criteria_from_until_period_takes_its_end():
    # 11.31: "from 28 days before the first dose until 90 days after the last dose" -> after 90 day, last dose
    _, crits = _stmts("Must use two methods of contraception from 14 days before the first dose until 60 days after the last dose")
    t = crits[0].temporal
    assert (t.relation, t.amount, t.unit, t.anchor) == ("after", 60.0, "day", "last dose")


def test_criteria_trailing_age_condition_is_the_statements_condition():
    # §11.39/11.40: "if older than 16 years" says whom the limit is for; its number is no statement of its own
    _, crits = _stmts("Lansky play score ≥ 60 if younger than 16 years")
    assert [(c.subject.name, c.constraint.value, c.condition.text) for c in crits] == [
        ("lansky", 60.0, "if younger than 16 years")]


def test_criteria_interval_between_measurements_is_no_limit():
    _, crits = _stmts("Platelet count < 50 x 10^9/L on two occasions at least 7 days apart")
    assert [(c.subject.name, c.constraint.value) for c in crits] == [("platelets", 50.0)]


def test_criteria_conditional_second_limit_with_a_finding():
    # 11.40: "(≤ 5 × ULN with liver metastases)" is a subgroup's limit like "(... if liver metastases are present)"
    _, crits = _stmts("Bilirubin ≤ 1.5 × ULN (≤ 3 × ULN with liver involvement)")
    assert [(c.text, c.constraint.value, c.condition and c.condition.text) for c in crits] == [
        ("Bilirubin ≤ 1.5 × ULN", 1.5, None),
        ("Bilirubin ≤ 1.5 × ULN (≤ 3 × ULN with liver involvement)", 3.0, "with liver involvement")]


def test_criteria_a_window_after_a_list_scopes_the_whole_list():
    # real registry text: the window after "A, B, or C" is about all of them (11.272 withdrawn)
    _, crits = _stmts("Treatment with lactulose, rifaximin, or other non-absorbed antibiotics within 7 days before dosing")
    assert [c.text for c in crits] == [
        "Treatment with lactulose, rifaximin, or other non-absorbed antibiotics within 7 days before dosing"]


def test_criteria_absence_for_at_least_is_a_look_back():
    # sets G and J: "has not smoked for at least 6 months before screening" -> within 6 month (the look-back in which
    # the thing is absent); a positive duration stays more_than (11.32)
    _, crits = _stmts("Has not smoked for at least 6 months before screening")
    assert (crits[0].temporal.relation, crits[0].temporal.amount) == ("within", 6.0)
    _, crits = _stmts("Stable dose of levothyroxine for at least 6 months before screening")
    assert (crits[0].temporal.relation, crits[0].temporal.amount) == ("more_than", 6.0)


@pytest.mark.parametrize("line,category,subject", [
    ("Mid-upper arm circumference < 115 mm", "vital", "muac"),
    ("Asexual parasitaemia of 1,000 to 100,000 parasites/µL", "lab", "malaria_parasitaemia"),
    ("Blood donation of more than 450 mL within 2 months", "procedure", None),
])
def test_criteria_set_j_subjects_and_categories(line, category, subject):
    _, crits = _stmts(line)
    assert crits[0].category.value == category
    assert (crits[0].subject.name if crits[0].subject else None) == subject


def test_criteria_a_plan_within_n_of_an_event_lies_after_it():
    _, crits = _stmts("Expected need for mechanical ventilation within 24 hours of randomisation")
    t = crits[0].temporal
    assert (t.relation, t.amount, t.anchor, crits[0].computable) == ("after", 24.0, "randomization", False)


@pytest.mark.parametrize("line", [
    "At least 4 weeks since prior immunotherapy, biologic therapy, radiotherapy, or surgery",   # a list, a duration
    "Participants must be able to understand and comply with study requirements",             # a shared object
])
def test_criteria_guards_from_random_records_keep_one_statement(line):
    _, crits = _stmts(line)
    assert len({(c.start, c.end) for c in crits}) == 1


def test_criteria_results_a_procedure_confirms_are_statements():
    # set K 11.303: "Right heart catheterisation ... confirming mean pulmonary arterial pressure > 20 mmHg"
    _, crits = _stmts("Right heart catheterisation before screening confirming mean pulmonary arterial pressure > 20 mmHg")
    assert [(c.text, c.subject and c.subject.name) for c in crits] == [
        ("Right heart catheterisation before screening", None), ("mean pulmonary arterial pressure > 20 mmHg", "mpap")]


def test_criteria_bare_subgroup_window_in_parentheses():
    # 11.135 with the amount alone: "(24 weeks for ustekinumab)" keeps the outer window's kind
    _, crits = _stmts("Biologic therapy within 12 weeks before baseline (24 weeks for rituximab)")
    assert [(c.temporal.amount, c.condition and c.condition.text) for c in crits] == [(12.0, None), (24.0, "for rituximab")]


def test_criteria_without_x_for_at_least_is_a_look_back():
    _, crits = _stmts("Relapsing disease without clinical relapses for at least 2 years")
    assert (crits[0].temporal.relation, crits[0].temporal.amount) == ("within", 2.0)


def test_criteria_days_thereafter_is_the_statements_window():
    _, crits = _stmts("Not willing to use contraception for the duration of treatment and 120 days thereafter")
    assert (crits[0].temporal.relation, crits[0].temporal.amount) == ("after", 120.0)


def test_criteria_washout_table_in_one_item():
    # set N: "... within the following washout periods before baseline: A 7 days; B 14 days" -> one statement per drug,
    # the lead-in before the colon, each with its amount as window
    text = ("Exclusion Criteria:\n- Use of any antiepileptic within the following washout periods before day 1: "
            "phenytoin 14 days; valproate or lamotrigine 28 days.\n")
    crits = build_criteria(Trial("T", "t", text))
    assert [(c.text, c.temporal.relation, c.temporal.amount) for c in crits] == [
        ("phenytoin 14 days", "within", 14.0), ("valproate or lamotrigine 28 days", "within", 28.0)]


def test_criteria_a_state_defined_in_parentheses_is_not_negated():
    # "(no menses for at least 12 months)" defines "postmenopausal"; a duration alone is no measured definition (11.5)
    _, crits = _stmts("Women must be postmenopausal (no menses for at least 12 months without another medical cause)")
    assert [(c.text, c.negated) for c in crits] == [
        ("Women must be postmenopausal (no menses for at least 12 months without another medical cause)", False)]


@pytest.mark.parametrize("line,category", [
    ("Congenital long QT syndrome", "condition"), ("Palpable splenomegaly ≥ 5 cm below the costal margin", "condition"),
    ("Total Symptom Score of at least 10 on the daily diary", "score"), ("Intravenous iron within 4 weeks", "therapy"),
    ("Splenic irradiation within 6 months", "therapy"),
])
def test_criteria_categories_from_sets_m_and_n(line, category):
    _, crits = _stmts(line)
    assert crits[0].category.value == category


@pytest.mark.parametrize("line,subject", [
    ("Advanced liver cirrhosis (Child-Pugh class B or C)", "Advanced liver cirrhosis"),
    ("Moderate hepatic dysfunction (Child-Pugh B)", "hepatic dysfunction"),
    ("Active suicidal ideation (C-SSRS item 4 or 5) within the last year", "suicidal ideation"),
])
def test_criteria_a_parenthesis_that_grades_a_condition_keeps_the_condition(line, subject):
    # GUIDELINES 11.5 / 11.245 / 11.455: the Child-Pugh class, the C-SSRS items or a positive test confirm the
    # condition; one condition statement, no score or lab subject, no constraint
    _, crits = _stmts(line)
    assert len(crits) == 1
    c = crits[0]
    assert c.text == line and c.category.value == "condition" and c.constraint is None
    assert subject in c.subject.text and c.subject.name is None


def test_criteria_a_heart_failure_class_in_parentheses_is_still_its_own_statement():
    # 11.201 stays: "(NYHA class III or IV)" is the statement
    _, crits = _stmts("Congestive heart failure (NYHA class III or IV)")
    assert [(c.text, c.subject.name) for c in crits] == [("NYHA class III or IV", "nyha")]


@pytest.mark.parametrize("line,name,op,value,upper", [
    ("BMI at or above the 85th percentile for age and sex", "bmi_for_age.percentile", ">=", 85.0, None),
    ("Head circumference below the 5th percentile for gestational age", "head_circumference.percentile", "<", 5.0, None),
    ("Systolic blood pressure ≥ 90th percentile for age and height", "bp.systolic.percentile", ">=", 90.0, None),
    ("Body weight between the 10th and 90th percentile", "weight_for_age.percentile", "between", 10.0, 90.0),
])
def test_criteria_a_chart_percentile_is_its_own_quantity_without_unit(line, name, op, value, upper):
    # 11.247: a percentile of a growth or blood-pressure chart is a rank, named <name>.percentile, unit null
    _, crits = _stmts(line)
    c = crits[0]
    assert (c.subject.name, c.constraint.operator.value, c.constraint.value, c.constraint.upper) == (name, op, value, upper)
    assert c.constraint.unit_normalized is None


@pytest.mark.parametrize("line,name", [
    ("Post-bronchodilator FEV1 between 30% and 70% of predicted", "fev1.percent_predicted"),
    ("DLCO < 50%", "dlco.percent_predicted"),
    ("FVC ≥ 1.5 L", "fvc"),
    ("Psoriasis involving ≥ 10% of body surface area", "bsa_involvement"),
])
def test_criteria_lung_function_in_percent_is_percent_of_predicted(line, name):
    _, crits = _stmts(line)
    assert crits[0].subject.name == name


@pytest.mark.parametrize("line", [
    "No history of epilepsy after the age of 12",
    "Family history of early coronary disease in a parent before the age of 55 years",
])
def test_criteria_an_age_that_dates_a_history_is_not_the_participants_age(line):
    # 11.456: "before the age of 55" says when the condition happened; the statement is about the condition
    _, crits = _stmts(line)
    c = crits[0]
    assert c.category.value == "condition" and c.subject.name is None and c.constraint is None


@pytest.mark.parametrize("line,name,values", [
    ("Hurley stage II or III at baseline", "hurley_stage", [2.0, 3.0]),
    ("FIGO stage III or IV", "figo_stage", [3.0, 4.0]),
    ("WHO functional class II or III", "who_fc", [2.0, 3.0]),
    ("Kellgren-Lawrence grade 2 or 3 in the index knee", "kellgren_lawrence", [2.0, 3.0]),
])
def test_criteria_roman_stages_and_classes_of_named_scales_are_sets(line, name, values):
    # 11.24 / 11.400: Roman numerals after "stage", "class" or "grade" are numbers; 11.459: the scale names
    _, crits = _stmts(line)
    c = crits[0]
    assert (c.subject.name, c.constraint.operator.value, sorted(c.constraint.values)) == (name, "in", values)


@pytest.mark.parametrize("line,spans", [
    ("Uncontrolled seizure disorder is exclusionary", ["Uncontrolled seizure disorder"]),
    ("Creatinine clearance below 30 mL/min, excludes the participant", ["Creatinine clearance below 30 mL/min"]),
    ("Women who are breastfeeding will not be enrolled in this study", ["Women who are breastfeeding"]),
    ("Participants with active tuberculosis are not eligible", ["Participants with active tuberculosis"]),
])
def test_criteria_a_predicate_that_restates_the_section_is_not_in_the_span(line, spans):
    # 11.461: prose exclusions ("X is exclusionary", "X will not be enrolled") -> the statement is X, not negated
    text = "Exclusion Criteria:\n- " + line + "\n"
    crits = build_criteria(Trial("T", "t", text))
    assert [c.text for c in crits] == spans
    assert all(not c.negated and c.polarity.value == "exclude" for c in crits)


def test_criteria_a_leading_any_of_a_split_off_part_is_dropped():
    # 11.460: "..., or any history of X" -> the part starts at "history"
    text = "Exclusion Criteria:\n- Current major depression, or any history of suicide attempt\n"
    crits = build_criteria(Trial("T", "t", text))
    assert [c.text for c in crits] == ["Current major depression", "history of suicide attempt"]


@pytest.mark.parametrize("line,spans", [
    ("Heart rate > 110 bpm or moderate or severe aortic stenosis on echocardiography",
     ["Heart rate > 110 bpm", "moderate or severe aortic stenosis on echocardiography"]),
    ("Adults aged ≥ 18 years with histologically or cytologically confirmed gastric adenocarcinoma",
     ["Adults aged ≥ 18 years", "histologically or cytologically confirmed gastric adenocarcinoma"]),
    ("Liver stiffness > 12 kPa or METAVIR F3 or F4 on a prior biopsy",
     ["Liver stiffness > 12 kPa", "METAVIR F3 or F4 on a prior biopsy"]),
])
def test_criteria_or_between_two_modifiers_of_one_noun_does_not_split(line, spans):
    # 11.462: "moderate or severe X", "histologically or cytologically confirmed X", "F3 or F4": one alternative
    _, crits = _stmts(line)
    assert [c.text for c in crits] == spans


def test_criteria_without_interruption_is_continuity_not_absence():
    # 11.463: "without interruption for ≥ 12 months before screening" is a duration (more_than), unlike
    # "without relapses for 12 months" (a look-back free of the event, within)
    _, crits = _stmts("Receiving tenofovir without interruption for ≥ 12 months before screening")
    assert (crits[0].temporal.relation, crits[0].temporal.amount) == ("more_than", 12.0)
    _, crits = _stmts("Stable disease without relapses for at least 12 months")
    assert crits[0].temporal.relation == "within"


@pytest.mark.parametrize("line", [
    "Taking no more than 2 antiepileptic drugs at stable doses for at least 8 weeks",
    "On stable antipsychotic doses for at least 8 weeks before baseline (depot formulations are not counted)",
])
def test_criteria_a_stable_dose_duration_is_more_than_despite_a_comparator_or_a_later_cue(line):
    # 11.463: "no more than" is a comparator, and a cue after the window does not make it a look-back of absence
    _, crits = _stmts(line)
    assert (crits[-1].temporal.relation, crits[-1].temporal.amount) == ("more_than", 8.0)


def test_criteria_two_terms_defined_by_test_results_are_two_alternatives():
    # 11.5 / 11.455: "X (positive <test>) or Y (detectable <test>)" -> the two results, OR
    _, crits = _stmts("Active hepatitis B (HBsAg positive) or hepatitis C (detectable HCV RNA)")
    assert [(c.text, c.subject.name, c.logic.op.value) for c in crits] == [
        ("HBsAg positive", "hbv.surface_antigen", "OR"), ("detectable HCV RNA", "hcv.rna", "OR")]


@pytest.mark.parametrize("line,span", [
    ("Ultra-rapid cycling (6 or more mood episodes in the past year)", "6 or more mood episodes in the past year"),
    ("Febrile illness (oral temperature ≥ 38.0 °C) at the time of enrolment", "oral temperature ≥ 38.0 °C"),
    ("Heavy drinking (more than 21 units per week)", "Heavy drinking (more than 21 units per week)"),
])
def test_criteria_a_count_of_named_things_in_parentheses_defines_the_term(line, span):
    # 11.5 / 11.464: a count of named things (or a measured limit, also before "at the time of X") in the
    # parenthesis is the statement; a bare amount of the term itself stays in the term's statement
    _, crits = _stmts(line)
    assert [c.text for c in crits] == [span]


@pytest.mark.parametrize("line,spans", [
    ("BNP > 100 pg/mL in sinus rhythm or > 300 pg/mL in atrial fibrillation",
     ["BNP > 100 pg/mL in sinus rhythm", "BNP > 100 pg/mL in sinus rhythm or > 300 pg/mL in atrial fibrillation"]),
    ("NT-proBNP ≥ 600 pg/mL at screening, or ≥ 1,500 pg/mL in patients with atrial fibrillation",
     ["NT-proBNP ≥ 600 pg/mL at screening",
      "NT-proBNP ≥ 600 pg/mL at screening, or ≥ 1,500 pg/mL in patients with atrial fibrillation"]),
    ("left ventricular mass index ≥ 120 g/m² (men) or ≥ 100 g/m² (women)",
     ["left ventricular mass index ≥ 120 g/m² (men)", "left ventricular mass index ≥ 120 g/m² (men) or ≥ 100 g/m² (women)"]),
])
def test_criteria_a_second_limit_for_a_rhythm_or_a_sex_in_parentheses_is_conditional(line, spans):
    # 11.40 / 11.465: the second limit's statement spans from the subject and carries the condition
    _, crits = _stmts(line)
    assert [c.text for c in crits] == spans
    assert crits[1].condition is not None and crits[0].subject.name == crits[1].subject.name


@pytest.mark.parametrize("line,spans", [
    ("LVEF ≥ 45% by echocardiography or MUGA scan within 4 weeks before enrolment",
     ["LVEF ≥ 45% by echocardiography or MUGA scan within 4 weeks before enrolment"]),
    ("Liver stiffness > 12 kPa by transient elastography or METAVIR F4 on a previous biopsy",
     ["Liver stiffness > 12 kPa by transient elastography", "METAVIR F4 on a previous biopsy"]),
])
def test_criteria_or_after_a_method_goes_on_with_the_method(line, spans):
    # 11.466: "by X or Y" names two methods of one measurement, unless a measured subject follows "or"
    _, crits = _stmts(line)
    assert [c.text for c in crits] == spans


@pytest.mark.parametrize("line,subjects", [
    ("ALT or AST > 5 x ULN with total bilirubin > 2 x ULN", ["alt", "ast"]),
    ("Positive HIV antibody with CD4 count < 350 cells/µL", ["hiv.antibody"]),
])
def test_criteria_exclusion_limit_narrowed_by_a_second_limit_is_one_statement(line, subjects):
    # 11.467: in exclusion, "A > x with B > y" is A's statement with "with B > y" as its condition
    text = "Exclusion Criteria:\n- " + line + "\n"
    crits = build_criteria(Trial("T", "t", text))
    assert [c.text for c in crits] == [line] * len(subjects)
    assert [c.subject.name for c in crits] == subjects and all(c.condition.text == "with " + line.split(" with ")[1] for c in crits)


def test_criteria_inclusion_limits_joined_by_with_are_both_required():
    _, crits = _stmts("Born at ≥ 36 weeks of gestation with birth weight over 2.0 kg")
    assert len(crits) == 2


def test_criteria_a_definition_after_the_last_alternative_defines_it_only():
    # 11.468: "A or B (limit)" -> A alone (OR) and the limit with B as its lead-in; nothing of A is lost
    text = "Exclusion Criteria:\n- Type 1 diabetes or uncontrolled type 2 diabetes (HbA1c > 10%)\n"
    crits = build_criteria(Trial("T", "t", text))
    assert [(c.text, c.logic.op.value, c.lead_in) for c in crits] == [
        ("Type 1 diabetes", "OR", None), ("HbA1c > 10%", "OR", "uncontrolled type 2 diabetes")]
    text = "Exclusion Criteria:\n- Contraindication to spinal anaesthesia, including coagulopathy (INR > 1.5)\n"
    crits = build_criteria(Trial("T", "t", text))
    assert [(c.text, c.lead_in) for c in crits] == [("Contraindication to spinal anaesthesia", None), ("INR > 1.5", "coagulopathy")]


@pytest.mark.parametrize("line,n", [
    ("Heart rate > 120 bpm or sepsis requiring intravenous antibiotics within 7 days", 2),
    ("Clinical judgement by the investigator that the participant should not participate in the study", 1),
])
def test_criteria_a_bare_noun_before_or_and_a_judgement_are_not_trimmed(line, n):
    # 11.462 is for modifiers ("moderate or severe"), not nouns; 11.461 is for "will/may/can not be enrolled",
    # not for a judgement that someone "should not participate"
    text = "Exclusion Criteria:\n- " + line + "\n"
    crits = build_criteria(Trial("T", "t", text))
    assert len(crits) == n and crits[-1].text.endswith(line[-20:])


def test_criteria_sex_words_after_healthy_adult_and_boys_and_girls():
    # 11.8 / 11.21: "Healthy adult male or female volunteers, 18 to 50 years" -> Healthy | male or female | the age;
    # "Boys and girls" is a sex statement
    _, crits = _stmts("Healthy adult male or female volunteers, 18 to 50 years of age")
    assert [c.text for c in crits] == ["Healthy", "male or female", "18 to 50 years of age"]
    _, crits = _stmts("Boys and girls aged 8 to 15 years")
    assert (crits[0].text, crits[0].category.value, crits[0].subject.name) == ("Boys and girls", "sex", "sex")


@pytest.mark.parametrize("line,name,value", [
    ("PANSS negative subscale score ≥ 20", "panss.negative", 20.0),
    ("PANSS positive subscale score of at least 18", "panss.positive", 18.0),
])
def test_criteria_a_result_word_inside_a_scale_name_is_no_limit(line, name, value):
    # 11.469: "positive" in "PANSS positive subscale", "over 7 days" in "Urticaria Activity Score over 7 days"
    _, crits = _stmts(line)
    assert [(c.subject.name, c.constraint.value) for c in crits] == [(name, value)]


@pytest.mark.parametrize("line", [
    "For patients currently on warfarin: INR between 2.0 and 3.0 at screening",
    "Participants currently taking levothyroxine must have TSH within the normal range",
])
def test_criteria_currently_in_a_subgroup_lead_is_not_the_statements_window(line):
    # 11.470: the subgroup's "currently" says who the limit is for
    _, crits = _stmts(line)
    assert crits[-1].temporal is None or crits[-1].temporal.relation != "during"
    _, crits = _stmts("Patients currently receiving chemotherapy")
    assert crits[0].temporal.relation == "during"


def test_criteria_a_mixed_unit_age_range_is_two_statements_on_one_span():
    # 11.471: both bounds share the span and the age subject
    _, crits = _stmts("Children between 6 months and 11 years old")
    assert [(c.text, c.subject.name, c.constraint.operator.value, c.constraint.unit_normalized) for c in crits] == [
        ("Children between 6 months and 11 years old", "age", ">=", "mo"),
        ("Children between 6 months and 11 years old", "age", "<=", "a")]


@pytest.mark.parametrize("line,value", [
    ("Fasting plasma glucose > 7.0 mmol/L on ≥ 2 occasions", 7.0),
    ("Systolic blood pressure ≥ 150 mmHg on two separate measurements", 150.0),
])
def test_criteria_how_often_a_limit_is_seen_is_no_limit(line, value):
    # 11.472: "on ≥ 2 occasions" repeats the measurement; the only limit is the measured one
    _, crits = _stmts(line)
    assert [c.constraint.value for c in crits] == [value]


@pytest.mark.parametrize("line,name", [
    ("At least 8 years of formal education", "education.years"),
    ("CGI-BP-S depression score ≥ 4 at screening", "cgi_bp_s.depression"),
    ("Mean 24-hour ambulatory systolic blood pressure ≥ 135 mmHg", "bp.systolic.ambulatory"),
])
def test_criteria_names_from_the_naming_guidelines(line, name):
    _, crits = _stmts(line)
    assert crits[0].subject.name == name


def test_criteria_expected_within_n_of_an_anchor_lies_after_it():
    # 11.31 / 11.473: "Heart transplant expected within 3 months of randomisation" is a plan after the anchor
    _, crits = _stmts("Heart transplant expected within 3 months of randomisation")
    assert (crits[0].temporal.relation, crits[0].temporal.amount) == ("after", 3.0)
    assert "hypothetical:future" in crits[0].flags
