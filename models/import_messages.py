"""The problems of an import's rows in the language of whoever reads the failed rows' file.

Problems are stored in English (``ImportJob.errors`` shows them so); ``errors.csv`` is written in
one language, Polish or English. The catalogue is keyed by the English message: a template whose
``{name}`` parts are the message's parameters (a number, a header, a row), so that every message a
row can get, wherever the check that wrote it lives, has its Polish text here.
"""

import re
from collections.abc import Mapping
from enum import StrEnum


class Language(StrEnum):
    PL = "pl"
    EN = "en"


# The product is Polish: a request that names neither language gets Polish.
DEFAULT_LANGUAGE = Language.PL
# The column errors.csv adds after the file's own.
ERROR_HEADER = {Language.PL: "Błędy importu", Language.EN: "Import errors"}

_CREATE_MISSING = "(allow createMissingReferences to add it)"
POLISH: dict[str, str] = {
    # Cells (models/import_values.py)
    "Must be a number.": "Musi być liczbą.",
    "Must be a whole number.": "Musi być liczbą całkowitą.",
    "Must be TAK or NIE (true or false, 1 or 0).": (
        "Musi być TAK lub NIE (true lub false, 1 lub 0)."
    ),
    "Not a date (Excel serial numbers run from 1 to 2958465).": (
        "To nie jest data (numery dni w Excelu są od 1 do 2958465)."
    ),
    "Must be a date.": "Musi być datą.",
    "Must be a date: YYYY-MM-DD or DD.MM.YYYY.": "Musi być datą: RRRR-MM-DD lub DD.MM.RRRR.",
    # A contact's own checks (createContact's)
    "A new contact needs a first name.": "Nowy kontakt musi mieć imię.",
    "A new contact needs a last name.": "Nowy kontakt musi mieć nazwisko.",
    "Must not be null.": "Nie może być puste.",
    "Must not be empty.": "Nie może być puste.",
    "Required.": "Wymagane.",
    "At most {count} characters.": "Najwyżej {count} znaków.",
    "At most {count} tags.": "Najwyżej {count} tagów.",
    "Not a valid email address.": "To nie jest poprawny adres e-mail.",
    "Not a phone number.": "To nie jest numer telefonu.",
    "Not a possible phone number.": "Taki numer telefonu nie może istnieć.",
    "No such stage in this CRM.": "W tym CRM nie ma takiego etapu.",
    "No such acquisition source in this CRM.": "W tym CRM nie ma takiego źródła pozyskania.",
    "No such position.": "Nie ma takiego stanowiska.",
    "No such organization in this CRM.": "W tym CRM nie ma takiej firmy.",
    "Must be text.": "Musi być tekstem.",
    "Must be a finite number.": "Musi być liczbą skończoną.",
    "At most {count} significant digits.": "Najwyżej {count} cyfr znaczących.",
    "Out of range.": "Poza zakresem.",
    "Must be true or false.": "Musi być TAK lub NIE.",
    "Must be a date, YYYY-MM-DD.": "Musi być datą, RRRR-MM-DD.",
    "Must be an absolute http or https URL.": "Musi być pełnym adresem http lub https.",
    "Must be one of: {options}.": "Musi być jedną z opcji: {options}.",
    "Must be a list of options.": "Musi być listą opcji.",
    "Another record already has this value of {field}.": "Inny rekord ma już tę wartość {field}.",
    # References (resolvers/imports/references.py)
    f"No position named '{{name}}' {_CREATE_MISSING}.": (
        "Nie ma stanowiska o nazwie '{name}' (createMissingReferences pozwala je dodać)."
    ),
    f"No stage named '{{name}}' {_CREATE_MISSING}.": (
        "Nie ma etapu o nazwie '{name}' (createMissingReferences pozwala go dodać)."
    ),
    f"No acquisition source named '{{name}}' {_CREATE_MISSING}.": (
        "Nie ma źródła pozyskania o nazwie '{name}' (createMissingReferences pozwala je dodać)."
    ),
    f"Unknown tag '{{tag}}': no contact of this CRM has it {_CREATE_MISSING}.": (
        "Nieznany tag '{tag}': nie ma go żaden kontakt tego CRM "
        "(createMissingReferences pozwala go dodać)."
    ),
    "No organization with this NIP in this CRM.": "W tym CRM nie ma firmy o tym NIP.",
    "No organization with this name in this CRM.": "W tym CRM nie ma firmy o tej nazwie.",
    "{count} organizations of this CRM have this NIP; give the NIP to tell them apart.": (
        "Ten NIP ma {count} firm tego CRM; podaj NIP, by je rozróżnić."
    ),
    "{count} organizations of this CRM have this name; give the NIP to tell them apart.": (
        "Tę nazwę ma {count} firm tego CRM; podaj NIP, by je rozróżnić."
    ),
    # Matching rows with stored contacts (resolvers/imports/process.py, matching.py)
    "Needed to match the row with a contact (matchOn: {key}).": (
        "Potrzebne, by dopasować wiersz do kontaktu (matchOn: {key})."
    ),
    "Repeats the {key} of row {row}.": "Powtarza {key} z wiersza {row}.",
    "{count} contacts of this CRM have this {key}; which one to update cannot be told.": (
        "Tę wartość {key} ma {count} kontaktów tego CRM; nie wiadomo, który zaktualizować."
    ),
    "No contact with this id in this CRM.": "W tym CRM nie ma kontaktu o tym id.",
    "Not a contact id.": "To nie jest id kontaktu.",
    "Row {row} updates the same contact.": "Wiersz {row} aktualizuje ten sam kontakt.",
    # Unique values (resolvers/imports/process.py, writing.py)
    "Another contact ({id}) already has this value.": "Inny kontakt ({id}) ma już tę wartość.",
    "Another contact already has a value of a unique field of this row.": (
        "Inny kontakt ma już wartość jednego z unikalnych pól tego wiersza."
    ),
    "Row {row} has this value too.": "Wiersz {row} też ma tę wartość.",
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)
    # split gives literal, name, literal, name, ...: names at the odd places
    return re.compile(
        "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    )


_TEMPLATES = [(_pattern(english), polish) for english, polish in POLISH.items()]


def polish(message: str) -> str | None:
    """The Polish text of an English row problem; None for a message the catalogue lacks."""
    for pattern, template in _TEMPLATES:
        if match := pattern.fullmatch(message):
            return template.format(**match.groupdict())
    return None


def in_language(message: str, language: Language) -> str:
    """A row problem in ``language``; a message the catalogue lacks stays as stored."""
    if language is Language.EN:
        return message
    return polish(message) or message


def accepted_language(header: str | None) -> Language:
    """The language an ``Accept-Language`` header prefers most among Polish and English
    (``pl-PL,pl;q=0.9,en;q=0.8``); neither named, or no header: :data:`DEFAULT_LANGUAGE`."""
    best: tuple[float, Language] | None = None
    for item in (header or "").split(","):
        tag, _, params = item.strip().partition(";")
        try:
            language = Language(tag.strip().split("-")[0].lower())
        except ValueError:
            continue
        quality = _quality(params)
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, language)
    return best[1] if best else DEFAULT_LANGUAGE


def _quality(params: str) -> float:
    name, _, value = params.strip().partition("=")
    if name.strip() != "q":
        return 1.0
    try:
        return min(max(float(value), 0.0), 1.0)
    except ValueError:
        return 0.0


def locale_language(environ: Mapping[str, str]) -> Language:
    """The language of the command line's locale (``LC_ALL``, ``LC_MESSAGES``, then ``LANG``,
    as POSIX reads them): Polish for ``pl_PL.UTF-8``, English otherwise."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := environ.get(name):
            return Language.PL if value.lower().startswith("pl") else Language.EN
    return Language.EN
