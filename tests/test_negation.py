import pytest

from pipeline.negation import find_cue, find_cues, termset


@pytest.mark.parametrize(
    "text,subject,cue",
    [
        ("No prior CAR-T therapy", "CAR-T", "No prior"),
        ("without brain metastases", "brain", "without"),
        ("Must not have received rituximab", "rituximab", "Must not have"),
        ("no history of seizures", "seizures", "no history of"),
        ("Absence of active infection", "active", "Absence of"),
    ],
)
def test_negation_cues(text, subject, cue):
    got = find_cue(text, 0, len(text), text.index(subject))
    assert got is not None and text[got[0]:got[1]] == cue


@pytest.mark.parametrize(
    "text,subject",
    [
        ("no more than 2 prior regimens", "prior"),
        ("not less than 18 years", "years"),
        ("negative HIV test", "HIV"),
        ("non-small cell lung cancer", "lung"),
        ("History of cancer, but no metastases", "cancer"),
    ],
)
def test_negation_non_negations(text, subject):
    assert find_cue(text, 0, len(text), text.index(subject)) is None


def test_negation_termset_has_negspacy_shape():
    assert set(termset()) == {"preceding_negations", "following_negations", "pseudo_negations", "termination"}


# ------------------------------------------------------------------ record level: pseudo-negations


@pytest.mark.parametrize(
    "text,subject",
    [
        ("Metastatic breast cancer with or without bone metastases", "bone"),
        ("Prior surgery with/without radiotherapy", "radiotherapy"),
        ("Anticoagulant therapy, not including low-dose aspirin", "aspirin"),
        ("Any treatment, whether or not approved", "approved"),
    ],
)
def test_negation_exception_and_alternative_phrases_are_not_negations(text, subject):
    assert find_cue(text, 0, len(text), text.index(subject)) is None


# ------------------------------------------------------------------ LCT surface cues (brat mapping)


@pytest.mark.parametrize(
    "text,cues",
    [
        # the word only, wherever it negates something LCT annotates
        ("No history of seizures", ["No"]),
        ("Patients who must not have received rituximab", ["not"]),
        ("Non-smokers", ["Non"]),
        ("Exclusion criteria (non ESRD group):", ["non"]),
        ("Unable to undergo MRI", ["Unable"]),
        ("Inability to swallow tablets", ["Inability"]),
        ("Free of chronic disease", ["Free of"]),
        ("Cancer-free for at least 5 years", ["free"]),
        ("Conditions that would preclude MRI", ["preclude"]),
        ("Smokers will be excluded.", ["excluded"]),
        ("Treatment-naive adults", ["naive"]),
        # LCT leaves these unannotated
        ("Unable to give informed consent", []),
        ("No consent", []),
        ("Did not sign the consent form", []),
        ("Inability to comply with the protocol", []),
        ("Unable to walk without assistance", ["without"]),
        ("Do not meet the inclusion criteria", []),
        ("No exclusion criteria", []),
        ("Does not have a telephone", []),
        ("No age limit", []),
        ("Subjects will be excluded if:", []),
        ("Premature labour with or without ruptured membranes", []),
        ("Psychotic disorder not otherwise specified", []),
        ("Active Do-Not-Resuscitate order", []),
        ("No more than 2 prior regimens", []),
        ("Use of non-steroidal anti-inflammatory drugs", []),
        ("Diabetes, associated or not with obesity", []),
        ("Lack of consent", []),
    ],
)
def test_negation_lct_cues(text, cues):
    assert [text[a:b] for a, b in find_cues(text, 0, len(text))] == cues


# ------------------------------------------------------------------ exceptions (criteria.find_exceptions)


@pytest.mark.parametrize(
    "text,excepted",
    [
        ("History of malignancy, except adequately treated basal cell carcinoma or cervical carcinoma in situ",
         ["adequately treated basal cell carcinoma", "cervical carcinoma in situ"]),
        ("Prior malignancy except for non-melanoma skin cancer", ["non-melanoma skin cancer"]),
        ("Use of any medication excluding paracetamol and oral contraceptives within 14 days",
         ["paracetamol", "oral contraceptives"]),
        ("Known HIV infection, with the exception of patients with undetectable viral load", ["undetectable viral load"]),
        ("Any active infection other than uncomplicated urinary tract infection", ["uncomplicated urinary tract infection"]),
        ("Major surgery within 4 weeks, apart from diagnostic biopsy", ["diagnostic biopsy"]),
        ("Major surgery within 4 weeks, aside from diagnostic biopsy", ["diagnostic biopsy"]),
        ("Any immunosuppressive medication, save for inhaled corticosteroids", ["inhaled corticosteroids"]),
        ("Anticoagulant therapy, not including low-dose aspirin", ["low-dose aspirin"]),
        ("Prior chemotherapy, but not hormonal therapy", ["hormonal therapy"]),
        ("Including but not limited to cardiac disease", []),
        ("Bilirubin ≤ 1.5 × ULN, unless Gilbert's syndrome is documented", ["Gilbert's syndrome"]),
        ("Systemic corticosteroids, except if given as premedication for contrast allergy",
         ["given as premedication for contrast allergy"]),
        ("Any concomitant medication, unless otherwise specified", []),
        # parenthetical: ends at its ')'
        ("Stable medication for 3 months (except rescue inhalers) before screening", ["rescue inhalers"]),
        ("Implanted cardiac device (exceptions: loop recorder, single-chamber pacemaker)",
         ["loop recorder", "single-chamber pacemaker"]),
        # a list after a colon or a "the following" lead-in
        ("Prior malignancy except: basal cell carcinoma, carcinoma in situ of the cervix or localized prostate cancer",
         ["basal cell carcinoma", "carcinoma in situ of the cervix", "localized prostate cancer"]),
        ("Prior malignancy, with the following exceptions: treated basal cell carcinoma, prostate cancer on surveillance",
         ["treated basal cell carcinoma", "prostate cancer on surveillance"]),
        # several items; modifiers sharing one head; a short pair stays one span
        ("Any vaccine within 30 days, except influenza, COVID-19 or pneumococcal vaccines",
         ["influenza, COVID-19 or pneumococcal vaccines"]),
        ("Any live vaccine within 4 weeks, except BCG and rotavirus vaccines", ["BCG and rotavirus vaccines"]),
        ("Any antiplatelet drug except aspirin and proton pump inhibitors", ["aspirin", "proton pump inhibitors"]),
        ("Any hypnotic except zolpidem or other sleep aids", ["zolpidem", "other sleep aids"]),
        ("Substance use disorder, other than cannabis or caffeine use disorder", ["cannabis or caffeine use disorder"]),
        ("Prior malignancy other than resected basal or squamous cell skin cancer",
         ["resected basal or squamous cell skin cancer"]),
        # "but not" before a comparator bounds a range
        ("Symptoms lasting at least 2 weeks but not exceeding 6 months", []),
        ("Failure of at least one but not more than three prior regimens", []),
        ("Immunosuppressive treatment save for topical or inhaled corticosteroids", ["topical or inhaled corticosteroids"]),
        ("Substance use disorder (other than nicotine or caffeine)", ["nicotine or caffeine"]),
        ("Prior malignancy, except in situ cervical cancer", ["in situ cervical cancer"]),
        ("Other glomerular disease besides IgA nephropathy", ["IgA nephropathy"]),
        ("Any lung disease other than asthma, including cystic fibrosis", ["asthma"]),
        # inclusion criteria have exceptions too
        ("Normal ECG, except for first-degree AV block or right bundle branch block",
         ["first-degree AV block", "right bundle branch block"]),
        # a window attached to the excepted thing stays with it
        ("Prior CD19-directed therapy, except blinatumomab given more than 3 months earlier",
         ["blinatumomab given more than 3 months earlier"]),
        # "and/or" separates items; a relative clause after a comma is the statement's again (GUIDELINES 11.119)
        ("Valve disease other than mild mitral regurgitation and/or trace tricuspid regurgitation",
         ["mild mitral regurgitation", "trace tricuspid regurgitation"]),
        ("Unresolved toxicity from prior therapy, except hair loss or skin discoloration, that is above grade 1",
         ["hair loss", "skin discoloration"]),
        # ... but a permission in the relative clause stays in the exception (GUIDELINES 11.109)
        ("Residual toxicity ≥ grade 2, with the exception of hair loss and grade 2 fatigue, which are permitted",
         ["hair loss and grade 2 fatigue, which are permitted"]),
        ("Any vaccine within 30 days, except seasonal influenza vaccine, which is permitted up to 7 days before",
         ["seasonal influenza vaccine, which is permitted up to 7 days before"]),
        # a permission with no marker excepts nothing (11.41, 11.109)
        ("Brain metastases (treated lesions are allowed)", []),
        ("Prior cancer except basal-cell or squamous-cell carcinoma of the skin",
         ["basal-cell or squamous-cell carcinoma of the skin"]),
        # a condition goes on after a predicate; "any of" keeps its "any"
        ("Prior neck surgery, except where nerve damage is present and repeat surgery is needed",
         ["nerve damage is present and repeat surgery is needed"]),
        ("Must have received drug A, unless any of these are unavailable", ["any of these are unavailable"]),
        # a measured subject after a comma is the statement's next part, not more of the exception
        ("AST > 2 × ULN unless due to liver metastases, total bilirubin > 2 × ULN", ["liver metastases"]),
    ],
)
def test_negation_find_exceptions(text, excepted):
    from pipeline.criteria import find_exceptions
    from pipeline.temporal import find_temporal

    windows = find_temporal(text, 0, len(text))
    temp = windows[0] if windows else None
    assert [text[a:b] for a, b in find_exceptions(text, 0, len(text), temp)] == excepted


@pytest.mark.parametrize(
    "text,negated",
    [
        # a relative clause does not end the scope when the statement has no subject
        ("Women of childbearing potential who are not using a reliable method of contraception", True),
        ("Girls who have reached menarche must not be pregnant", True),
        # "no longer than" bounds a duration; it negates nothing
        ("Depressive episode of at least 8 weeks and no longer than 12 months", False),
        ("Screening visit no later than 14 days before dosing", False),
        # a commitment, not a negated finding
        ("Agree not to start any new pain treatment during the study", False),
    ],
)
def test_negation_statement_scope_without_subject(text, negated):
    from pipeline.negation import find_cue

    assert (find_cue(text, 0, len(text)) is not None) == negated


def test_negation_not_specified_is_no_negation():
    # PDQ "Hepatic: Not specified" says there is no requirement; it excludes nothing
    from pipeline.criteria import build_criteria
    from pipeline.schema import Trial
    (c,) = build_criteria(Trial("T", "t", "PATIENT CHARACTERISTICS:\n\nHepatic\n\n* Not specified\n"))
    assert (c.negated, c.polarity.value, c.computable) == (False, "require", False)
