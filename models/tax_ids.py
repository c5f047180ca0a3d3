"""Tax identifiers of organizations, checked by the CRM's business region (R2.3 LOCAL):
``PL``: a NIP (10 digits, checksum); ``EU``: a VAT ID with its country prefix (python-stdnum)."""

from stdnum import exceptions
from stdnum.eu import vat
from stdnum.pl import nip, regon

from models.crm import OrganizationRegion


class InvalidTaxId(ValueError):
    pass


def normalize_tax_id(value: str, region: OrganizationRegion) -> str:
    try:
        if region is OrganizationRegion.PL:
            return nip.validate(value.upper().removeprefix("PL"))
        return vat.validate(value)
    except exceptions.ValidationError as error:
        expected = (
            "a NIP (10 digits)"
            if region is OrganizationRegion.PL
            else ("an EU VAT ID with its country prefix, e.g. DE123456789")
        )
        raise InvalidTaxId(f"Not {expected}: {error}.") from error


def normalize_regon(value: str) -> str:
    try:
        return regon.validate(value)
    except exceptions.ValidationError as error:
        raise InvalidTaxId(f"Not a REGON (9 or 14 digits): {error}.") from error
