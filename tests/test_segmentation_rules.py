"""The pure rules of segmentation (R8): ranges of definitions, checks of rules, scoring."""

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from bson import ObjectId
from bson.decimal128 import Decimal128
from hypothesis import given
from hypothesis import strategies as st

from models.contact_keys import derive_contact
from models.errors import Validator
from models.field_definition import FieldDefinition, FieldEntity, FieldType
from models.segmentation import (
    Classifier,
    ClassifierKind,
    NativeParameter,
    ParameterTarget,
    Rule,
    RuleCondition,
    Scorer,
    Segmentation,
    SegmentDefinition,
    ValueKind,
    check_ranges,
    check_rules,
    field_target,
    holding,
    segment_definitions,
    segment_sk,
)

TENANT = ObjectId()


def definitions(*ranges: tuple[str, int, int]) -> list[SegmentDefinition]:
    return segment_definitions((name, start, end, "#000000") for name, start, end in ranges)


WEAK_MODERATE_ADVANCED = definitions(("Weak", 0, 30), ("Moderate", 30, 70), ("Advanced", 70, 100))


def value_rules(points: dict[Any, int]) -> list[Rule]:
    return [
        Rule(condition=RuleCondition.VALUE, value=str(value), points=p)
        for value, p in points.items()
    ]


def native(parameter: NativeParameter, rules: list[Rule], weight: str = "1") -> Classifier:
    return Classifier(
        kind=ClassifierKind.NATIVE, parameter=parameter, weight=Decimal(weight), rules=rules
    )


def custom(key: str, rules: list[Rule], weight: str = "1") -> Classifier:
    return Classifier(
        kind=ClassifierKind.CUSTOM, field_key=key, weight=Decimal(weight), rules=rules
    )


def field(key: str, field_type: FieldType, options: list[str] | None = None) -> FieldDefinition:
    """A definition, not stored (Beanie makes documents only once the database is known)."""
    return FieldDefinition.model_construct(
        tenant_id=TENANT,
        entity=FieldEntity.CONTACT,
        name=key,
        key=key,
        type=field_type,
        options=options or [],
    )


def scorer(
    classifiers: list[Classifier],
    fields: list[FieldDefinition] = (),  # type: ignore[assignment]
    defined: list[SegmentDefinition] = WEAK_MODERATE_ADVANCED,
) -> Scorer:
    return Scorer(Segmentation(definitions=defined, classifiers=classifiers), fields)


def segment_of(s: Scorer, contact: dict[str, Any]) -> tuple[str, Decimal, Decimal] | None:
    segment = s.segment(contact)
    if segment is None:
        return None
    return segment.definition.name, segment.score, segment.percent


# --- R8.4, the source's worked example -----------------------------------------------------------

LEAD, MAIN_LEAD, CLIENT = ObjectId(), ObjectId(), ObjectId()
CONSULTANT, MANAGER, SUPERVISOR = ObjectId(), ObjectId(), ObjectId()
R84 = [
    native(NativeParameter.STAGE, value_rules({LEAD: 1, MAIN_LEAD: 5, CLIENT: 10})),
    native(NativeParameter.POSITION, value_rules({CONSULTANT: 1, MANAGER: 5, SUPERVISOR: 10})),
    native(NativeParameter.TAGS, value_rules({"Helpline": 1, "Helpdesk": 5, "Complaints": 10})),
]


@pytest.mark.parametrize(
    ("stage", "position", "tag", "expected"),
    [
        (LEAD, CONSULTANT, "Helpline", ("Weak", Decimal(3), Decimal(10))),
        (MAIN_LEAD, MANAGER, "Helpdesk", ("Moderate", Decimal(15), Decimal(50))),
        (CLIENT, SUPERVISOR, "Complaints", ("Advanced", Decimal(30), Decimal(100))),
    ],
)
def test_the_r84_example_holds_exactly(stage, position, tag, expected):
    s = scorer(R84)
    assert s.max_score == 30
    contact = {"stage_id": stage, "position_id": position, "tags": [tag]}
    assert segment_of(s, contact) == expected
    stored = s.stored_segment(contact)
    assert stored is not None
    assert (stored["score"], stored["max_score"], stored["percent"]) == (
        float(expected[1]),
        30.0,
        float(expected[2]),
    )
    assert stored["definition"]["name"] == expected[0]


# --- boundaries -----------------------------------------------------------------------------------

POINTS = [custom("pkt", value_rules({n: n for n in range(11)}))]
PKT = [field("pkt", FieldType.INTEGER)]


@pytest.mark.parametrize(
    ("points", "name"),
    [(0, "Weak"), (2, "Weak"), (3, "Moderate"), (6, "Moderate"), (7, "Advanced"), (10, "Advanced")],
)
def test_from_is_inclusive_to_exclusive_and_the_last_holds_100(points, name):
    result = segment_of(scorer(POINTS, PKT), {"custom": {"pkt": points}})
    assert result == (name, Decimal(points), Decimal(points * 10))


def test_no_value_scores_zero_and_is_in_the_first_definition():
    assert segment_of(scorer(POINTS, PKT), {"custom": {}}) == ("Weak", 0, 0)


def test_boundaries_are_exact_where_floats_are_not():
    # 3 x 0.19 = 0.57 of 10 x 0.19 = 1.9 is 30 %; in floats 0.57 * 100 < 30 * 1.9.
    assert 0.57 * 100 < 30 * 1.9
    s = scorer([custom("pkt", value_rules({3: 3, 10: 10}), weight="0.19")], PKT)
    assert segment_of(s, {"custom": {"pkt": 3}}) == ("Moderate", Decimal("0.57"), Decimal(30))


def test_without_classifiers_or_points_there_is_no_segment():
    assert scorer([]).segment({"first_name": "Jan"}) is None
    zero = native(NativeParameter.FIRST_NAME, value_rules({"Jan": 0}))
    assert scorer([zero]).segment({"first_name": "Jan"}) is None
    assert scorer(R84, defined=[]).segment({"stage_id": CLIENT}) is None


# --- matching -------------------------------------------------------------------------------------


def test_tags_score_their_best_matching_tag_without_regard_to_case_or_accents():
    s = scorer([native(NativeParameter.TAGS, value_rules({"Helpdesk": 5, "Reklamację": 10}))])
    assert s.segment({"tags": ["helpDESK", "other"]}).score == 5
    assert s.segment({"tags": ["HELPDESK", "reklamacje"]}).score == 10
    assert s.segment({"tags": ["other"]}).score == 0
    assert s.segment({}).score == 0


def test_text_values_compare_without_regard_to_case_and_spacing():
    s = scorer([native(NativeParameter.CITY, value_rules({"Kraków": 4, "Nowy  Sącz": 2}))])
    assert s.segment({"address": {"city": "KRAKÓW"}}).score == 4
    assert s.segment({"address": {"city": "nowy sącz "}}).score == 2
    assert s.segment({"address": {"city": "Warszawa"}}).score == 0


def test_stages_are_matched_by_id():
    s = scorer(R84)
    assert s.segment({"stage_id": CLIENT}).score == 10
    assert s.segment({"stage_id": ObjectId()}).score == 0


def test_a_rule_scores_points_times_weight():
    s = scorer(
        [
            native(NativeParameter.EMAIL, [Rule(condition=RuleCondition.EXISTS, points=4)], "2.5"),
            native(NativeParameter.CITY, value_rules({"Kraków": 10}), "0.5"),
        ]
    )
    assert s.max_score == 15
    assert segment_of(s, {"email": "a@b.pl", "address": {"city": "Kraków"}}) == (
        "Advanced",
        Decimal(15),
        Decimal(100),
    )
    only_email = s.segment({"email": "a@b.pl"})
    assert (only_email.definition.name, only_email.score) == ("Moderate", 10)  # 66.67 %
    assert only_email.stored()["percent"] == 66.67


def test_a_parameter_scores_its_best_matching_rule():
    rules = [Rule(condition=RuleCondition.EXISTS, points=2), *value_rules({"jan@b.pl": 5})]
    s = scorer([native(NativeParameter.EMAIL, rules)])
    assert s.segment({"email": "jan@b.pl"}).score == 5
    assert s.segment({"email": "ewa@b.pl"}).score == 2
    assert s.segment({"email": None}).score == 0


def _range(low: str | None, high: str | None, points: int) -> Rule:
    return Rule(
        condition=RuleCondition.RANGE,
        range_from=None if low is None else Decimal(low),
        range_to=None if high is None else Decimal(high),
        points=points,
    )


@pytest.mark.parametrize(
    ("stored", "points"),
    [
        (Decimal128("-0.01"), 0),
        (Decimal128("0"), 5),
        (Decimal128("75.5"), 5),  # both ranges hold it: the first declared wins
        (Decimal128("100.00"), 5),  # bounds are inclusive
        (Decimal128("100.01"), 10),
        (Decimal128("200.5"), 10),
        (Decimal128("200.51"), 1),  # the open range above
    ],
)
def test_ranges_on_decimals(stored, points):
    rules = [_range("0", "100", 5), _range("50", "200.5", 10), _range("200.5", None, 1)]
    s = scorer([custom("obrot", rules)], [field("obrot", FieldType.DECIMAL)])
    assert s.segment({"custom": {"obrot": stored}}).score == points


def test_numbers_compare_by_value_and_other_kinds_by_their_form():
    fields = [
        field("n", FieldType.DECIMAL),
        field("flag", FieldType.FLAG),
        field("day", FieldType.DATE),
        field("choice", FieldType.MULTI_SELECT, ["Sport", "Kino"]),
    ]
    s = scorer(
        [
            custom("n", value_rules({"1.50": 1})),
            custom("flag", value_rules({"true": 2})),
            custom("day", value_rules({"2026-03-01": 4})),
            custom("choice", value_rules({"Kino": 8})),
        ],
        fields,
    )
    contact = {
        "custom": {
            "n": Decimal128("1.5"),
            "flag": True,
            "day": datetime(2026, 3, 1, tzinfo=UTC),
            "choice": ["Sport", "Kino"],
        }
    }
    assert s.segment(contact).score == 15
    assert s.segment({"custom": {"flag": False, "choice": ["Sport"]}}).score == 0


def test_a_classifier_of_a_field_the_company_no_longer_has_scores_nothing():
    s = scorer([custom("gone", value_rules({"x": 10})), *R84[:1]])
    assert s.max_score == 20
    assert s.segment({"custom": {"gone": "x"}, "stage_id": CLIENT}).score == 10


def test_holding_is_exact_at_every_boundary():
    defined = WEAK_MODERATE_ADVANCED
    assert holding(defined, Decimal(9), Decimal(30)).name == "Moderate"
    assert holding(defined, Decimal("8.99"), Decimal(30)).name == "Weak"
    assert holding(defined, Decimal(30), Decimal(30)).name == "Advanced"


@given(
    cuts=st.lists(st.integers(1, 99), max_size=6, unique=True).map(sorted),
    score=st.integers(0, 1000),
    extra=st.integers(0, 1000),
)
def test_exactly_the_definition_holding_the_percent_is_chosen(cuts, score, extra):
    bounds = [0, *cuts, 100]
    pairs = enumerate(itertools.pairwise(bounds))
    defined = definitions(*((f"d{i}", low, high) for i, (low, high) in pairs))
    maximum = Decimal(score + extra) or Decimal(1)
    found = holding(defined, Decimal(score), maximum)
    percent = Decimal(score) * 100 / maximum
    assert found is not None
    assert found.from_percent <= percent
    assert percent < found.to_percent or (found is defined[-1] and percent == 100)


# --- checks of a configuration --------------------------------------------------------------------


def resolved(*ranges: tuple[int | None, int | None]) -> tuple[list[tuple[Decimal, Decimal]], dict]:
    v = Validator()
    given_ranges = [
        (None if a is None else Decimal(a), None if b is None else Decimal(b)) for a, b in ranges
    ]
    result = check_ranges(v, given_ranges, "input.definitions")
    return result, {e.path: e.message for e in v.errors}


def test_a_missing_to_is_from_plus_15_and_the_next_starts_there():
    result, errors = resolved((0, None), (None, None), (30, 100))
    assert errors == {}
    assert result == [(0, 15), (15, 30), (30, 100)]
    result, errors = resolved((None, 85), (None, None))
    assert errors == {}
    assert result == [(0, 85), (85, 100)]


@pytest.mark.parametrize(
    ("ranges", "path"),
    [
        (((5, 30), (30, 100)), "input.definitions.0.from"),
        (((0, 30), (35, 100)), "input.definitions.1.from"),
        (((0, 30), (30, 30), (30, 100)), "input.definitions.1.to"),
        (((0, 30), (30, 20), (70, 100)), "input.definitions.1.to"),
        (((0, 30), (30, 90)), "input.definitions.1.to"),
        (((0, 90), (90, None)), "input.definitions.1.to"),
        (((0, 30), (30, 120)), "input.definitions.1.to"),
    ],
)
def test_ranges_that_do_not_fit_name_the_definition_at_fault(ranges, path):
    _, errors = resolved(*ranges)
    assert list(errors) == [path]


def test_auto_to_past_100_says_so():
    _, errors = resolved((0, 90), (None, None))
    assert errors == {"input.definitions.1.to": "At most 100 % (from + 15 is 105 %)."}


@dataclass
class RuleData:
    condition: RuleCondition
    points: int = 1
    value: str | None = None
    range_from: Decimal | None = None
    range_to: Decimal | None = None


def rule_errors(target: ParameterTarget, *rules: RuleData) -> dict[str, str]:
    v = Validator()
    check_rules(v, target, list(rules), "r")
    return {e.path: e.message for e in v.errors}


TEXT = ParameterTarget(ValueKind.TEXT)


def test_rules_that_do_not_fit_their_parameter_are_refused():
    integer = field_target(field("n", FieldType.INTEGER))
    choice = field_target(field("c", FieldType.SELECT, ["Sport", "Kino"]))
    stage = ParameterTarget(ValueKind.ID, ids=frozenset({str(LEAD)}), unknown_id="No such stage.")
    assert rule_errors(TEXT) == {"r": "Add at least one rule."}
    assert rule_errors(TEXT, RuleData(RuleCondition.RANGE, range_from=Decimal(1))) == {
        "r.0.condition": "RANGE is only for integer and decimal custom fields."
    }
    assert set(
        rule_errors(
            TEXT,
            RuleData(RuleCondition.VALUE, value="A"),
            RuleData(RuleCondition.VALUE, value=" a "),
        )
    ) == {"r.1.value"}
    assert set(
        rule_errors(TEXT, RuleData(RuleCondition.EXISTS), RuleData(RuleCondition.EXISTS))
    ) == {"r.1.condition"}
    assert set(rule_errors(TEXT, RuleData(RuleCondition.VALUE))) == {"r.0.value"}
    assert set(rule_errors(TEXT, RuleData(RuleCondition.EXISTS, value="x"))) == {"r.0.value"}
    assert set(rule_errors(TEXT, RuleData(RuleCondition.VALUE, value="x", points=-1))) == {
        "r.0.points"
    }
    assert set(rule_errors(integer, RuleData(RuleCondition.VALUE, value="abc"))) == {"r.0.value"}
    assert set(rule_errors(integer, RuleData(RuleCondition.RANGE))) == {"r.0.from"}
    assert set(
        rule_errors(
            integer, RuleData(RuleCondition.RANGE, range_from=Decimal(5), range_to=Decimal(1))
        )
    ) == {"r.0.to"}
    assert set(rule_errors(choice, RuleData(RuleCondition.VALUE, value="golf"))) == {"r.0.value"}
    assert rule_errors(stage, RuleData(RuleCondition.VALUE, value=str(MANAGER))) == {
        "r.0.value": "No such stage."
    }


def test_checked_rules_are_stored_in_canonical_form():
    v = Validator()
    choice = field_target(field("c", FieldType.SELECT, ["Sport", "Kino"]))
    integer = field_target(field("n", FieldType.DECIMAL))
    assert check_rules(v, choice, [RuleData(RuleCondition.VALUE, value=" kino ")], "r")[
        0
    ].value == ("Kino")
    assert check_rules(v, integer, [RuleData(RuleCondition.VALUE, value="1,50")], "r")[0].value == (
        "1.50"
    )
    assert v.errors == []


def test_the_job_rewrites_the_segment_entry_of_sk_as_derive_makes_it():
    document = {"first_name": "Jan", "last_name": "Kowalski", "stage_id": LEAD, "tags": ["x"]}
    segment = scorer(R84).stored_segment(document)
    assert segment is not None
    without = derive_contact(document, [], None)["sk"]
    with_segment = derive_contact({**document, "segment": segment}, [], None)["sk"]
    assert with_segment != without
    assert segment_sk(without, segment) == with_segment
    assert segment_sk(with_segment, None) == without
