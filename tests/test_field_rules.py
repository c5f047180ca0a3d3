"""Pure rules of custom field definitions: keys, names, options, indexing, stored values."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from beanie import PydanticObjectId
from bson.decimal128 import Decimal128

from models.errors import Validator
from models.field_definition import FieldDefinition, FieldEntity, FieldType
from models.field_rules import (
    MAX_OPTIONS,
    SAMPLE_SIZE,
    ValueCounter,
    changes_derived_keys,
    check_indexing,
    check_options,
    choose_key,
    fails_conversion,
    name_clash,
    options_used,
    shown,
    taken_keys,
    unique_values,
)
from models.sortable import encode_number, encode_text


def definition(field_type: FieldType = FieldType.TEXT, **fields) -> FieldDefinition:
    values = {
        "tenant_id": PydanticObjectId(),
        "entity": FieldEntity.CONTACT,
        "name": "Field",
        "key": "field",
        "type": field_type,
        **fields,
    }
    return FieldDefinition.model_construct(**values)


def paths(v: Validator) -> set[str]:
    return {error.path for error in v.errors}


def test_taken_keys_are_the_natives_of_the_entity_and_the_other_keys() -> None:
    others = [definition(key="rokZalozenia")]
    contact = taken_keys(FieldEntity.CONTACT, others)
    organization = taken_keys(FieldEntity.ORGANIZATION, others)
    assert {"email", "firstName", "rokZalozenia"} <= contact
    assert "taxId" not in contact
    assert {"taxId", "name", "rokZalozenia"} <= organization
    assert "firstName" not in organization


def test_a_key_is_derived_from_the_name_when_none_is_given() -> None:
    v = Validator()
    assert choose_key(v, "Rok założenia", None, {"rokZalozenia"}, "input.key") == "rokZalozenia2"
    assert choose_key(v, "Email", None, taken_keys(FieldEntity.CONTACT, []), "k") == "email2"
    assert not v.errors


@pytest.mark.parametrize("key", ["nip", "rok2", "nipFirmy"])
def test_a_valid_free_key_is_taken_as_given(key: str) -> None:
    v = Validator()
    assert choose_key(v, "Whatever", key, {"email"}, "input.key") == key
    assert not v.errors


@pytest.mark.parametrize("key", ["email", "Nip", "2nd", "nip firmy", "", "__typename", "a" * 65])
def test_an_invalid_or_taken_key_is_refused(key: str) -> None:
    v = Validator()
    choose_key(v, "Whatever", key, {"email"}, "input.key")
    assert paths(v) == {"input.key"}


def test_names_clash_ignoring_case_accents_and_spacing() -> None:
    existing = definition(name="Rok założenia")
    assert name_clash("  ROK   ZALOZENIA ", [existing]) is existing
    assert name_clash("Rok-założenia", [existing]) is None


@pytest.mark.parametrize("field_type", [FieldType.SELECT, FieldType.MULTI_SELECT])
def test_choice_fields_need_distinct_non_empty_options(field_type: FieldType) -> None:
    v = Validator()
    assert check_options(v, field_type, ["  Gold ", "Silver"], "o") == ["Gold", "Silver"]
    assert not v.errors

    for options, expected in [
        ([], {"o"}),
        (["Gold", " Gold"], {"o"}),
        (["Gold", "  "], {"o.1"}),
        (["Gold", "x" * 201], {"o.1"}),
        ([f"o{i}" for i in range(MAX_OPTIONS + 1)], {"o"}),
    ]:
        v = Validator()
        check_options(v, field_type, options, "o")
        assert paths(v) == expected, options


def test_options_are_case_sensitive() -> None:
    v = Validator()
    assert check_options(v, FieldType.SELECT, ["gold", "Gold"], "o") == ["gold", "Gold"]
    assert not v.errors


@pytest.mark.parametrize("field_type", sorted(set(FieldType) - {"SELECT", "MULTI_SELECT"}))
def test_other_fields_have_no_options(field_type: FieldType) -> None:
    v = Validator()
    assert check_options(v, field_type, [], "o") == []
    assert not v.errors
    check_options(v, field_type, ["A"], "o")
    assert paths(v) == {"o"}


NOT_UNIQUE = {FieldType.LONG_TEXT, FieldType.MULTI_SELECT, FieldType.FLAG}


@pytest.mark.parametrize("field_type", list(FieldType))
def test_which_types_may_be_unique_and_searchable(field_type: FieldType) -> None:
    v = Validator()
    check_indexing(
        v, field_type, searchable=True, unique=True, searchable_path="s", unique_path="u"
    )
    expected = set()
    if field_type in NOT_UNIQUE:
        expected.add("u")
    if field_type is FieldType.LONG_TEXT:
        expected.add("s")
    assert paths(v) == expected

    v = Validator()
    check_indexing(
        v, field_type, searchable=False, unique=False, searchable_path="s", unique_path="u"
    )
    assert not v.errors


def test_derived_keys_change_only_with_what_they_are_built_from() -> None:
    plain = definition()
    searchable = definition(searchable=True)
    unique = definition(unique=True)
    assert not changes_derived_keys(None, plain)
    assert not changes_derived_keys(plain, None)
    assert not changes_derived_keys(plain, definition(FieldType.INTEGER, name="Renamed"))
    assert not changes_derived_keys(searchable, definition(searchable=True, position=3))
    assert changes_derived_keys(plain, searchable)
    assert changes_derived_keys(searchable, plain)
    assert changes_derived_keys(plain, unique)
    assert changes_derived_keys(searchable, definition(searchable=True, unique=True))
    assert changes_derived_keys(searchable, definition(FieldType.INTEGER, searchable=True))
    assert changes_derived_keys(unique, None)


@pytest.mark.parametrize(
    ("stored", "source", "target", "fails"),
    [
        ("1995", definition(), definition(FieldType.INTEGER), False),
        ("19a5", definition(), definition(FieldType.INTEGER), True),
        ("1,5", definition(), definition(FieldType.DECIMAL), False),
        ("1.5", definition(), definition(FieldType.INTEGER), True),
        (Decimal128("2.00"), definition(FieldType.DECIMAL), definition(FieldType.INTEGER), False),
        (7, definition(FieldType.INTEGER), definition(FieldType.TEXT), False),
        ("Gold", definition(), definition(FieldType.SELECT, options=["Gold"]), False),
        ("Bronze", definition(), definition(FieldType.SELECT, options=["Gold"]), True),
        (
            ["Gold", "Silver"],
            definition(FieldType.MULTI_SELECT, options=["Gold", "Silver"]),
            definition(FieldType.SELECT, options=["Gold", "Silver"]),
            True,
        ),
        ("2024-02-30", definition(), definition(FieldType.DATE), True),
        ("example.com", definition(), definition(FieldType.URL), True),
    ],
)
def test_which_stored_values_fail_a_type_change(stored, source, target, fails: bool) -> None:
    assert fails_conversion(stored, source, target) is fails


def test_options_used_by_a_stored_value() -> None:
    assert options_used("Gold", {"Gold", "Silver"}) == ["Gold"]
    assert options_used(["Gold", "Bronze", "Gold"], {"Gold"}) == ["Gold"]
    assert options_used("Bronze", {"Gold"}) == []


def test_unique_values_ignore_case_and_spaces_and_compare_numbers_by_value() -> None:
    text = definition()
    assert unique_values(" Acme  Sp. ", text, text) == {encode_text("acme sp."): " Acme  Sp. "}
    assert (
        unique_values("ACME SP.", text, text).keys() == unique_values("acme sp.", text, text).keys()
    )

    decimal = definition(FieldType.DECIMAL)
    a = unique_values(Decimal128("1.50"), decimal, decimal)
    assert a == {encode_number(Decimal("1.5")): Decimal("1.50")}
    assert a.keys() == unique_values(Decimal128("1.5"), decimal, decimal).keys()


def test_unique_values_are_those_of_the_new_type_after_a_type_change() -> None:
    text, integer = definition(), definition(FieldType.INTEGER)
    assert unique_values("07", text, integer) == {encode_number(7): 7}
    assert unique_values("seven", text, integer) == {}


def test_values_are_shown_as_json_has_them() -> None:
    assert shown(Decimal128("1.50")) == "1.50"
    assert shown(Decimal("2")) == "2"
    assert shown(datetime(2024, 5, 1, tzinfo=UTC)) == "2024-05-01"
    assert shown(["a", Decimal("1")]) == ["a", "1"]
    assert shown(7) == 7


def test_the_counter_gives_the_most_frequent_first_within_the_limits() -> None:
    counter = ValueCounter()
    for value in ["b", "a", "b", "c", "b", "a"]:
        counter.add(value)
    assert counter.most_common() == [
        {"value": "b", "count": 3},
        {"value": "a", "count": 2},
        {"value": "c", "count": 1},
    ]
    assert counter.most_common(at_least=2) == [
        {"value": "b", "count": 3},
        {"value": "a", "count": 2},
    ]
    assert counter.most_common(limit=1) == [{"value": "b", "count": 3}]

    many = ValueCounter()
    for i in range(SAMPLE_SIZE + 5):
        many.add(f"v{i}")
    assert len(many.most_common()) == SAMPLE_SIZE
    assert len(many.most_common(limit=None)) == SAMPLE_SIZE + 5


def test_the_counter_groups_by_the_given_key_and_shows_the_first_value() -> None:
    counter = ValueCounter()
    counter.add(" Acme", group=("crm1", "acme"))
    counter.add("ACME", group=("crm1", "acme"))
    counter.add("acme", group=("crm2", "acme"))
    counter.add(["x", "y"])
    counter.add(["x", "y"])
    assert counter.most_common(at_least=2) == [
        {"value": " Acme", "count": 2},
        {"value": ["x", "y"], "count": 2},
    ]
