"""How much every place of an input may hold: one table, read by the input guard
(resolvers/input_guard.py) for every value of every operation.

A place is an input type's field, ``"InputType.field"``, or a root field's argument,
``"Mutation.field.argument"``. A place not in the table gets the default bound; the table lists
where a field needs more (settings, long texts) or should take less (names, emails, phones).
The bounds are the most the guard lets through; the domain's own checks may refuse less (a
trimmed name over 200 characters, a 51st tag).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from models.call_event import MAX_CALL_ID_LENGTH, MAX_CAUSE_LENGTH, MAX_NUMBER_LENGTH
from models.company import MAX_LDAP_TEXT_LENGTH
from models.crm import MAX_SETTING_LENGTH
from models.custom_values import MAX_LONG_TEXT_LENGTH, MAX_TEXT_LENGTH
from models.field_definition import FieldDefinition, FieldType
from models.field_keys import MAX_KEY_LENGTH
from models.field_rules import MAX_OPTION_LENGTH, MAX_OPTIONS
from models.segmentation import MAX_RULES, MAX_VALUE_LENGTH
from models.text_rules import TextKind
from models.values import MAX_NAME_LENGTH
from resolvers.generated.custom_types import PREFIX
from resolvers.generated.filter_inputs import (
    DateFilter,
    DecimalFilter,
    IdFilter,
    IntFilter,
    TextFilter,
)
from resolvers.records.values import MAX_FIELD_LENGTH

DEFAULT_LENGTH = 1_000
DEFAULT_ITEMS = 100
MAX_EMAIL_LENGTH = 254
MAX_RAW_PHONE_LENGTH = 64
MAX_PHONES = 20
MAX_EMAILS = 20
MAX_PROJECT_MEMBERS = 1_000
MAX_IMPORT_MAPPINGS = 1_000

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
NAME = Bound(length=MAX_NAME_LENGTH)
EMAIL = Bound(length=MAX_EMAIL_LENGTH)
FIELD = Bound(length=MAX_FIELD_LENGTH)
SETTING = Bound(length=MAX_SETTING_LENGTH)
SECRET = Bound(length=MAX_SETTING_LENGTH, text=TextKind.VERBATIM)
PASSWORD = Bound(text=TextKind.VERBATIM)
LDAP = Bound(length=MAX_LDAP_TEXT_LENGTH)
CALL_ID = Bound(length=MAX_CALL_ID_LENGTH)
NUMBER = Bound(length=MAX_NUMBER_LENGTH)

# The value filters with an ``in`` list.
IN_FILTERS = (TextFilter, IntFilter, DecimalFilter, DateFilter, IdFilter)
RECORD_FILTERS = [f"{prefix}Filter" for prefix in PREFIX.values()]

OVERRIDES: dict[str, Bound] = {
    # Root field arguments.
    "Mutation.login.email": EMAIL,
    "Mutation.login.password": PASSWORD,
    "Mutation.reportCallAnswered.callId": CALL_ID,
    "Mutation.reportCallEnded.callId": CALL_ID,
    "Mutation.reportCallEnded.cause": Bound(length=MAX_CAUSE_LENGTH),
    "Mutation.assignContactToCall.callId": CALL_ID,
    "Mutation.dialContact.phone": NUMBER,
    "Query.matchCaller.phone": NUMBER,
    "Query.call.callId": CALL_ID,
    "Query.contacts.search": NAME,
    "Query.organizations.search": NAME,
    # Records.
    "CreateContactInput.firstName": NAME,
    "CreateContactInput.lastName": NAME,
    "CreateContactInput.email": EMAIL,
    "CreateContactInput.phones": Bound(items=MAX_PHONES),
    "UpdateContactInput.firstName": NAME,
    "UpdateContactInput.lastName": NAME,
    "UpdateContactInput.email": EMAIL,
    "UpdateContactInput.phones": Bound(items=MAX_PHONES),
    "CreateOrganizationInput.name": NAME,
    "CreateOrganizationInput.phones": Bound(items=MAX_PHONES),
    "CreateOrganizationInput.emails": Bound(length=MAX_EMAIL_LENGTH, items=MAX_EMAILS),
    "UpdateOrganizationInput.name": NAME,
    "UpdateOrganizationInput.phones": Bound(items=MAX_PHONES),
    "UpdateOrganizationInput.emails": Bound(length=MAX_EMAIL_LENGTH, items=MAX_EMAILS),
    "PhoneInput.number": Bound(length=MAX_RAW_PHONE_LENGTH),
    "PhoneInput.label": FIELD,
    "AddressInput.country": FIELD,
    "AddressInput.region": FIELD,
    "AddressInput.city": FIELD,
    "AddressInput.postalCode": FIELD,
    "AddressInput.line1": FIELD,
    "AddressInput.line2": FIELD,
    # Company, users, projects, lists of a CRM.
    "CreateCompanyInput.name": NAME,
    "CreateCompanyInput.adminEmail": EMAIL,
    "CreateCompanyInput.adminPassword": PASSWORD,
    "CreateCompanyInput.adminDisplayName": NAME,
    "CreateUserInput.email": EMAIL,
    "CreateUserInput.password": PASSWORD,
    "CreateUserInput.displayName": NAME,
    "UpdateUserInput.email": EMAIL,
    "UpdateUserInput.password": PASSWORD,
    "UpdateUserInput.displayName": NAME,
    "CreateProjectInput.name": NAME,
    "CreateProjectInput.memberIds": Bound(items=MAX_PROJECT_MEMBERS),
    "UpdateProjectInput.name": NAME,
    "UpdateProjectInput.memberIds": Bound(items=MAX_PROJECT_MEMBERS),
    "CreatePositionInput.name": NAME,
    "UpdatePositionInput.name": NAME,
    "CreateStageInput.name": NAME,
    "UpdateStageInput.name": NAME,
    "CreateAcquisitionSourceInput.name": NAME,
    "UpdateAcquisitionSourceInput.name": NAME,
    "CreateCrmInput.name": NAME,
    "UpdateCrmInput.name": NAME,
    # Custom field definitions.
    "CreateFieldDefinitionInput.name": NAME,
    "CreateFieldDefinitionInput.key": Bound(length=MAX_KEY_LENGTH),
    "CreateFieldDefinitionInput.options": Bound(length=MAX_OPTION_LENGTH, items=MAX_OPTIONS),
    "UpdateFieldDefinitionInput.name": NAME,
    "UpdateFieldDefinitionInput.options": Bound(length=MAX_OPTION_LENGTH, items=MAX_OPTIONS),
    # Segmentation.
    "SegmentDefinitionInput.name": NAME,
    "SegmentClassifierInput.rules": Bound(items=MAX_RULES),
    "SegmentClassifierInput.fieldKey": Bound(length=MAX_KEY_LENGTH),
    "ClassifierRuleInput.value": Bound(length=MAX_VALUE_LENGTH),
    # Imports.
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
    # Calls.
    "ReportIncomingCallInput.callId": CALL_ID,
    "ReportIncomingCallInput.from": NUMBER,
    "ReportIncomingCallInput.to": NUMBER,
    # Filters.
    **{f"{cls.__name__}.in": Bound(items=MAX_IN_VALUES) for cls in IN_FILTERS},
    "ListFilter.hasAny": Bound(items=MAX_IN_VALUES),
    "ListFilter.hasAll": Bound(items=MAX_IN_VALUES),
    **{
        f"{prefix}Filter.{combinator}": Bound(items=MAX_BRANCHES)
        for prefix in PREFIX.values()
        for combinator in ("and", "or")
    },
}

# Custom values, by the kind of their field.
CUSTOM_VALUE_BOUNDS: dict[FieldType, Bound] = {
    FieldType.TEXT: Bound(length=MAX_TEXT_LENGTH),
    FieldType.LONG_TEXT: Bound(length=MAX_LONG_TEXT_LENGTH, text=TextKind.MULTILINE),
    FieldType.URL: Bound(length=MAX_TEXT_LENGTH),
    FieldType.SELECT: Bound(length=MAX_OPTION_LENGTH),
    FieldType.MULTI_SELECT: Bound(length=MAX_OPTION_LENGTH, items=MAX_OPTIONS),
}


def input_bounds(definitions: Sequence[FieldDefinition] = ()) -> dict[str, Bound]:
    """The table of a company's schema: the overrides, and its custom fields' values in the
    generated inputs (``ContactCustomInput.<key>``, ``ContactUniqueKey.<key>``...)."""
    bounds = dict(OVERRIDES)
    for definition in definitions:
        bound = CUSTOM_VALUE_BOUNDS.get(definition.type, DEFAULT)
        prefix = PREFIX[definition.entity]
        bounds[f"{prefix}CustomInput.{definition.key}"] = bound
        bounds[f"{prefix}UniqueKey.{definition.key}"] = bound
    return bounds
