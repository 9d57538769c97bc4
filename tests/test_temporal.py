import pytest

from pipeline.temporal import find_temporal


@pytest.mark.parametrize(
    "text,relation,amount,unit,anchor",
    [
        ("Within 7 days before screening, active infection", "within", 7, "day", "screening"),
        ("major surgery in the past 6 months", "within", 6, "month", None),
        ("at least 4 weeks since last dose of chemotherapy", "more_than", 4, "week", "last dose"),
        ("within 4 weeks or 5 half-lives, whichever is longer, prior to the first dose", "within", 4, "week", "first dose"),
        ("received CAR-T therapy before screening", "before", None, None, "screening"),
        ("use of contraception during the study", "during", None, None, "study"),
        # the study's own time, however it is written; "ongoing" is "current" (11.33, 11.152)
        ("must use a barrier method during the course of this trial", "during", None, None, "study"),
        ("avoid strenuous exercise during the entire study period", "during", None, None, "study"),
        ("no blood donation while on study", "during", None, None, "study"),
        ("becoming pregnant while participating in the trial", "during", None, None, "study"),
        ("ongoing therapy with a vitamin K antagonist", "during", None, None, None),
        # "before" an event however it is introduced; "pre-<event>" (11.33, 11.153)
        ("antibiotics prior to receiving the first dose", "before", None, None, "first dose"),
        ("written consent before performance of any trial-related procedures", "before", None, None, "study procedures"),
        ("pneumococcal vaccine before the first study vaccination", "before", None, None, "first dose"),
        ("pre-transplant ferritin above 1000", "before", None, None, "transplant"),
        ("an alcohol-free interval prior to conception", "before", None, None, "conception"),
        # periods of the study itself (11.152)
        ("no systemic antibiotics during the screening period", "during", None, None, "screening"),
        ("must use barrier contraception until the end of the trial", "during", None, None, "study"),
        ("intends to conceive before the end of the study", "during", None, None, "study"),
        # "before" any named event; "presently" is "currently" (11.153, 11.33)
        ("prophylactic antibiotics before the procedure", "before", None, None, "procedure"),
        ("presently receiving haemodialysis", "during", None, None, None),
        # set J conventions (11.273): windows after birth, postpartum, "through Day N", an N-day study period,
        # "during that time"
        ("phototherapy started within 6 hours of birth", "after", 6, "hour", "birth"),
        ("less than 6 months postpartum", "within", 6, "month", None),
        ("must use contraception through Day 29", "after", 29, "day", "first dose"),
        ("planned travel during the 28-day follow-up", "during", 28, "day", None),
        ("must not donate blood during that time", "during", None, None, None),
        ("mean daily itch score ≥ 4 in the week before baseline", "within", 1, "week", "baseline"),
        # sets K and L (11.364)
        ("barrier contraception and 90 days thereafter", "after", 90, "day", None),
        ("two NSAIDs at full dose for a total of at least 4 weeks", "more_than", 4, "week", None),
        ("willing to take colchicine for the first 6 months of treatment", "during", 6, "month", "treatment"),
        # number words; stopping the study drug is the last dose (11.34)
        ("draining fistulae for at least three months despite therapy", "more_than", 3, "month", None),
        ("no MAO inhibitor within 5 days of discontinuation of investigational drug", "after", 5, "day", "last dose"),
        # half-lives first, a parenthesis between amount and anchor (11.35)
        ("any monoclonal antibody within 5 half-lives or 3 months, whichever is longer, before day 1",
         "within", 3, "month", "day 1"),
        ("final dose at least 6 weeks (or 5 half-lives, whichever is longer) before randomization",
         "more_than", 6, "week", "randomization"),
        ("myocardial infarction within 3 months prior to enrollment", "within", 3, "month", "enrollment"),
        ("radiotherapy within 14 days of randomisation", "within", 14, "day", "randomization"),
        ("stroke in the last year", "within", 1, "year", None),
        ("a negative pregnancy test no more than 72 hours before the first dose", "within", 72, "hour", "first dose"),
        ("contraception for 12 months after the last dose", "after", 12, "month", "last dose"),
        ("dual antiplatelet therapy for at least 6 months after randomization", "after", 6, "month", "randomization"),
        # comparator symbols before a window read as their words (§7)
        ("surgery > 4 weeks before randomization", "more_than", 4, "week", "randomization"),
        ("chemotherapy ≤ 14 days before the first dose", "within", 14, "day", "first dose"),
        ("radiotherapy \\>= 21 days prior to day 1", "more_than", 21, "day", "day 1"),
        # a window that lies after its anchor (GUIDELINES 11.101)
        ("relapse within 9 months of completion of induction therapy", "after", 9, "month",
         "completion of induction therapy"),
    ],
)
def test_temporal_windows(text, relation, amount, unit, anchor):
    found = find_temporal(text, 0, len(text))
    assert found, text
    t = found[0]
    assert (t.relation, t.amount, t.unit, t.anchor) == (relation, amount, unit, anchor)


@pytest.mark.parametrize("text", ["Expected survival time ≥ 12weeks", "disease duration of no more than 10 years from onset of first symptoms", "Apgar score ≤ 5 at 10 minutes after birth", "a fall in systolic blood pressure ≥ 20 mmHg within 3 minutes of standing", "symptom onset before the age of 40", "home oxygen for more than 12 hours per day", "Age 3-18 years", "life expectancy of at least 3 months",
                                  "QTcF > 470 ms at screening"])
def test_temporal_durations_are_not_windows(text):
    assert find_temporal(text, 0, len(text)) == []


@pytest.mark.parametrize(
    "text,cue,value",
    [
        ("History of myocardial infarction", "History", "past"),
        ("Current smoker", "Current", "present"),
        ("planned surgery during the study", "planned", "future"),
        ("recent stroke", "recent", "recent"),
        ("prior chemotherapy", "prior", "past"),
        # one cue where a period word follows "history of" (as LCT marks it)
        ("History of previous knee surgery", "History of previous", "past"),
        ("history of prior radiotherapy to the chest", "history of prior", "past"),
        ("Already received two doses of the vaccine", "Already received", "past"),
        ("Antibiotics administered in the emergency room", "administered", "past"),
    ],
)
def test_temporal_period_cues(text, cue, value):
    from pipeline.temporal import find_periods

    (s, e, v), *_ = find_periods(text, 0, len(text))
    assert (text[s:e], v) == (cue, value)


@pytest.mark.parametrize("text", ["Family history of sudden cardiac death", "assessed by the Health History Questionnaire",
                                  "Physically active adults", "Allergy to the active substance"])
def test_temporal_words_that_are_not_a_period(text):
    from pipeline.temporal import find_periods

    assert find_periods(text, 0, len(text)) == []


def test_temporal_prior_to_is_not_a_period():
    from pipeline.temporal import find_periods

    text = "within 4 weeks prior to enrollment"
    assert find_periods(text, 0, len(text)) == []


@pytest.mark.parametrize(
    "text,relation,amount,unit",
    [
        # a bare amount before an anchor
        ("Use of antibiotics 4 weeks preceding enrollment", "within", 4, "week"),
        # "within N after X" lies after its anchor; "during the first N of the study"
        ("Planning to become pregnant within 3 months after vaccination", "after", 3, "month"),
        ("Surgery planned during the first 6 months of the study", "during", 6, "month"),
        ("drug abuse 2 years prior to screening", "within", 2, "year"),
        ("immunosuppressive agents in recent 3 months", "within", 3, "month"),
        ("Medication use stable for 6 months prior to screening", "more_than", 6, "month"),
        # windows of the study period
        ("must use contraception during the study and for 90 days after the last dose", "after", 90, "day"),
        ("corticosteroids for 14 days or more", "more_than", 14, "day"),
        ("at least 8 seizures during the 8-week baseline period", "during", 8, "week"),
        ("Concomitant use of strong CYP3A4 inducers", "during", None, None),
        # more written forms
        ("Smoking ≥ 10 cigarettes per day for at least the past year", "more_than", 1, "year"),
        ("Agree to avoid pregnancy during the 12 weeks of treatment", "during", 12, "week"),
        ("Depot antipsychotic within one injection cycle prior to randomization", "within", 1, None),
    ],
)
def test_temporal_written_forms_of_windows(text, relation, amount, unit):
    from pipeline.temporal import find_temporal

    found = find_temporal(text, 0, len(text))
    assert found and (found[0].relation, found[0].amount, found[0].unit) == (relation, amount, unit)


@pytest.mark.parametrize("text,relation,amount,unit", [
    ("stable antihistamine dose for at least 5 consecutive days before randomisation", "more_than", 5.0, "day"),
    ("at least 2 continuous weeks before baseline", "more_than", 2.0, "week"),
])
def test_temporal_consecutive_between_amount_and_unit(text, relation, amount, unit):
    # "3 consecutive days" is an amount of days (11.463)
    ts = find_temporal(text, 0, len(text))
    assert [(t.relation, t.amount, t.unit) for t in ts][:1] == [(relation, amount, unit)]
