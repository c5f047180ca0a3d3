"""How much every place of an input may hold: one table, read by the input guard
(resolvers/input_guard.py) for every value of every operation.

A place is an input type's field, ``"InputType.field"``, or a root field's argument,
``"Mutation.field.argument"``. A place not in the table gets the default bound. The table lists
where a place needs more (settings, long texts, lists of options), should take less (a phone's
raw text, the lists of phones and emails, filters' lists), or keeps its text as sent (passwords
and secrets, ``TextKind.VERBATIM``) or on several lines (``TextKind.MULTILINE``).

Where the domain checks a length itself (names 200, emails 254, call ids 200...), the guard's
bound is the coarse default, never below the domain's limit: the domain's VALIDATION_FAILED then
names that value together with every other bad value of the input, which the guard, refusing
before any resolver runs, could not.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from models.company import MAX_LDAP_TEXT_LENGTH
from models.crm import MAX_SETTING_LENGTH
from models.custom_values import MAX_LONG_TEXT_LENGTH
from models.field_definition import FieldDefinition, FieldType
from models.field_rules import MAX_OPTIONS
from models.segmentation import MAX_RULES
from models.text_rules import TextKind
from resolvers.generated.custom_types import PREFIX
from resolvers.generated.filter_inputs import (
    DateFilter,
    DecimalFilter,
    IdFilter,
    IntFilter,
    TextFilter,
)

DEFAULT_LENGTH = 1_000
DEFAULT_ITEMS = 100
MAX_RAW_PHONE_LENGTH = 64
MAX_PHONES = 20
MAX_EMAILS = 20
MAX_PROJECT_MEMBERS = 1_000
MAX_IMPORT_MAPPINGS = 1_000
MAX_SEARCH_LENGTH = 200

# Filters: each of these costs the database a clause per value or branch.
MAX_IN_VALUES = 100
MAX_BRANCHES = 20
# and/or/not levels below the filter argument.
MAX_FILTER_NESTING = 5
# Members given in the value filters (TextFilter.eq, IdFilter.in...) of one filter argument.
MAX_FILTER_CONDITIONS = 200
# Objects and lists within objects and lists, in any input: the filters' nesting is the deepest
# the schema needs (about 14).
MAX_INPUT_DEPTH = 32


@dataclass(frozen=True)
class Bound:
    """The most one place may hold: ``length`` characters of a string (of each string of a
    list), ``items`` of a list; ``text``: the text rule its strings follow."""

    length: int = DEFAULT_LENGTH
    items: int = DEFAULT_ITEMS
    text: TextKind = TextKind.LINE


DEFAULT = Bound()
SETTING = Bound(length=MAX_SETTING_LENGTH)
SECRET = Bound(length=MAX_SETTING_LENGTH, text=TextKind.VERBATIM)
PASSWORD = Bound(text=TextKind.VERBATIM)
LDAP = Bound(length=MAX_LDAP_TEXT_LENGTH)
PHONES = Bound(items=MAX_PHONES)
EMAILS = Bound(items=MAX_EMAILS)
OPTIONS = Bound(items=MAX_OPTIONS)

# The value filters with an ``in`` list.
IN_FILTERS = (TextFilter, IntFilter, DecimalFilter, DateFilter, IdFilter)
RECORD_FILTERS = [f"{prefix}Filter" for prefix in PREFIX.values()]

OVERRIDES: dict[str, Bound] = {
    # Each word of a search is a clause of the query.
    "Query.contacts.search": Bound(length=MAX_SEARCH_LENGTH),
    "Query.organizations.search": Bound(length=MAX_SEARCH_LENGTH),
    # Records: a phone's raw text is stored as sent.
    "CreateContactInput.phones": PHONES,
    "UpdateContactInput.phones": PHONES,
    "CreateOrganizationInput.phones": PHONES,
    "UpdateOrganizationInput.phones": PHONES,
    "CreateOrganizationInput.emails": EMAILS,
    "UpdateOrganizationInput.emails": EMAILS,
    "PhoneInput.number": Bound(length=MAX_RAW_PHONE_LENGTH),
    # Passwords.
    "Mutation.login.password": PASSWORD,
    "CreateCompanyInput.adminPassword": PASSWORD,
    "CreateUserInput.password": PASSWORD,
    "UpdateUserInput.password": PASSWORD,
    # Lists the domain bounds higher than the default.
    "CreateProjectInput.memberIds": Bound(items=MAX_PROJECT_MEMBERS),
    "UpdateProjectInput.memberIds": Bound(items=MAX_PROJECT_MEMBERS),
    "CreateFieldDefinitionInput.options": OPTIONS,
    "UpdateFieldDefinitionInput.options": OPTIONS,
    "SegmentClassifierInput.rules": Bound(items=MAX_RULES),
    "ImportOptions.mapping": Bound(items=MAX_IMPORT_MAPPINGS),
    # Settings of CRM backends and of the company's LDAP.
    "CustomBackendInput.sourceSystem": SETTING,
    "CustomExtBackendInput.url": SETTING,
    "CustomExtBackendInput.profileUrl": SETTING,
    "DynamicsBackendInput.tenantName": SETTING,
    "DynamicsBackendInput.url": SETTING,
    "DynamicsBackendInput.applicationId": SETTING,
    "DynamicsBackendInput.applicationSecret": SECRET,
    "HubspotBackendInput.accessToken": SECRET,
    "LivespaceBackendInput.apiUrl": SETTING,
    "LivespaceBackendInput.apiKey": SECRET,
    "LivespaceBackendInput.apiSecret": SECRET,
    "SalesforceBackendInput.apiUrl": SETTING,
    "SalesforceBackendInput.consumerKey": SECRET,
    "SalesforceBackendInput.consumerSecret": SECRET,
    "ZammadBackendInput.ctiEndpointUrl": SETTING,
    "ZammadBackendInput.zammadUrl": SETTING,
    "ZammadBackendInput.userToken": SECRET,
    "LdapSettingsInput.url": LDAP,
    "LdapSettingsInput.baseDn": LDAP,
    "LdapSettingsInput.bindDn": LDAP,
    "LdapSettingsInput.bindPassword": Bound(length=MAX_LDAP_TEXT_LENGTH, text=TextKind.VERBATIM),
    "LdapSettingsInput.userFilter": LDAP,
    # Filters.
    **{f"{cls.__name__}.in": Bound(items=MAX_IN_VALUES) for cls in IN_FILTERS},
    "ListFilter.hasAny": Bound(items=MAX_IN_VALUES),
    "ListFilter.hasAll": Bound(items=MAX_IN_VALUES),
    **{
        f"{name}.{combinator}": Bound(items=MAX_BRANCHES)
        for name in RECORD_FILTERS
        for combinator in ("and", "or")
    },
}

# Custom values whose kind needs other than the default (the rest: TEXT and URL values, 1,000
# characters, are the domain's own limit).
CUSTOM_VALUE_BOUNDS: dict[FieldType, Bound] = {
    FieldType.LONG_TEXT: Bound(length=MAX_LONG_TEXT_LENGTH, text=TextKind.MULTILINE),
    FieldType.MULTI_SELECT: OPTIONS,
}


def input_bounds(definitions: Sequence[FieldDefinition] = ()) -> dict[str, Bound]:
    """The table of a company's schema: the overrides, and its custom fields' values in the
    generated inputs (``ContactCustomInput.<key>``; the kinds above cannot be unique keys)."""
    bounds = dict(OVERRIDES)
    for definition in definitions:
        if definition.type in CUSTOM_VALUE_BOUNDS:
            place = f"{PREFIX[definition.entity]}CustomInput.{definition.key}"
            bounds[place] = CUSTOM_VALUE_BOUNDS[definition.type]
    return bounds
