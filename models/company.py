"""A company: one tenant, with its CRM settings (R1)."""

import re
from datetime import datetime

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel

from models.secret import StoredSecret
from models.timestamps import utcnow
from models.user import Permission, Role
from models.values import is_valid_url

LDAP_SCHEMES = ("ldap", "ldaps")
# The LDAP texts (URL, DNs, filter) are stored and shown, never meant to be long.
MAX_LDAP_TEXT_LENGTH = 2000
# One attribute=value pair of a DN: an attribute name or a numeric OID, then "=" and a value.
_DN_PAIR = re.compile(r"^\s*(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)\s*=\s*\S")
# The separators of a DN's pairs ("," between RDNs, "+" inside one), unless escaped.
_DN_SEPARATOR = re.compile(r"(?<!\\)[,+]")


class LdapSettings(BaseModel):
    """R1.5 (interpretation): the directory users of the company can authenticate against.

    Only stored for now: authenticating by LDAP bind is not implemented yet.
    """

    enabled: bool = False
    url: str | None = None
    base_dn: str | None = None
    bind_dn: str | None = None
    bind_password: StoredSecret | None = None
    user_filter: str | None = None

    def missing_while_enabled(self) -> list[str]:
        """The fields an enabled directory cannot do without (none while disabled)."""
        if not self.enabled:
            return []
        return [name for name in ("url", "base_dn") if getattr(self, name) is None]


def is_ldap_url(url: str) -> bool:
    """``ldap://`` or ``ldaps://`` with a host (and a valid port, if any).

    An LDAP URL has the shape of the http(s) URL with the same rest, so that rule checks it.
    """
    scheme, separator, rest = url.partition("://")
    scheme = scheme.lower()
    return bool(separator) and scheme in LDAP_SCHEMES and is_valid_url(f"http{scheme[4:]}://{rest}")


def is_distinguished_name(dn: str) -> bool:
    """A DN such as ``ou=people,dc=example,dc=com`` (RFC 4514), checked for shape only."""
    return all(_DN_PAIR.match(pair) for pair in _DN_SEPARATOR.split(dn))


def is_ldap_filter(text: str) -> bool:
    """One parenthesized filter (RFC 4515) with balanced parentheses, e.g. ``(uid={login})``.

    Parentheses inside values are escaped as ``\\28``/``\\29`` in LDAP filters, so every raw one
    is structure.
    """
    depth = 0
    for position, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0 or (depth == 0 and position != len(text) - 1):
                return False
    return text.startswith("(") and depth == 0


class CompanySettings(BaseModel):
    crm_enabled: bool = True
    restricted_crm: bool = False
    default_crm_id: PydanticObjectId | None = None
    caller_id_authentication: bool = False
    default_phone_region: str = "PL"
    ldap: LdapSettings = Field(default_factory=LdapSettings)
    # Issue 12.15: the permissions every user of a role has, besides their own.
    role_permissions: dict[Role, list[Permission]] = Field(default_factory=dict)

    def permissions_of(self, roles: list[Role]) -> set[Permission]:
        """The permissions ``roles`` carry."""
        return {p for role in roles for p in self.role_permissions.get(role, [])}


class Company(Document):
    name: str
    name_key: str
    settings: CompanySettings = Field(default_factory=CompanySettings)
    # Bumped on every change of the company's field definitions: it keys the schema cache.
    fields_version: int = 0
    # Written first by every transaction that checks a rule spanning several documents of the
    # company (resolvers/common/company_lock.py): two such transactions conflict.
    lock_version: int = 0
    created_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "companies"
        indexes = [IndexModel([("name_key", ASCENDING)], unique=True)]
