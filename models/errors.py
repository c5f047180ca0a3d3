"""Domain errors. Each carries the GraphQL ``extensions`` it is reported with.

graphql-core copies ``extensions`` from the original exception onto the error it reports, so the
domain code raises these without knowing about GraphQL.
"""

from dataclasses import dataclass
from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "BAD_REQUEST"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions: dict[str, Any] = {"code": self.code, **details}


class BadRequest(DomainError):
    code = "BAD_REQUEST"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "A valid bearer token is required.") -> None:
        super().__init__(message)


class Forbidden(DomainError):
    code = "FORBIDDEN"

    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message)


class NotFound(DomainError):
    code = "NOT_FOUND"

    def __init__(self, what: str, record_id: object) -> None:
        super().__init__(f"{what} {record_id} not found.", id=str(record_id))


class Gone(DomainError):
    """What was there is no longer kept (an export's file past its retention)."""

    code = "GONE"


class CrmDisabled(DomainError):
    code = "CRM_DISABLED"

    def __init__(self) -> None:
        super().__init__("The CRM is disabled for this company.")


class RequestTimeout(DomainError):
    """The request used up its database time (the reads' ``maxTimeMS``)."""

    code = "TIMEOUT"


class TooManyRequests(DomainError):
    code = "TOO_MANY_REQUESTS"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message, retryAfterSeconds=retry_after_seconds)


class ServiceUnavailable(DomainError):
    """The database does not answer (restarting, or gone): the same request may succeed soon."""

    code = "SERVICE_UNAVAILABLE"
    retry_after_seconds: ClassVar[int] = 2

    def __init__(self) -> None:
        super().__init__(
            "The database is not available right now; try again shortly.",
            retryAfterSeconds=self.retry_after_seconds,
        )


class Conflict(DomainError):
    """A uniqueness or reference conflict; names the field and the record already holding it."""

    code = "CONFLICT"

    def __init__(
        self, message: str, *, field: str | None = None, existing_id: object | None = None
    ) -> None:
        details: dict[str, Any] = {}
        if field is not None:
            details["field"] = field
        if existing_id is not None:
            details["existingId"] = str(existing_id)
        super().__init__(message, **details)


@dataclass(frozen=True)
class FieldError:
    """One invalid value: ``path`` is the dotted path of the argument, e.g. ``input.email``."""

    path: str
    message: str


class ValidationFailed(DomainError):
    code = "VALIDATION_FAILED"

    def __init__(self, errors: list[FieldError]) -> None:
        if not errors:
            raise ValueError("ValidationFailed needs at least one FieldError")
        first = errors[0]
        message = first.message if len(errors) == 1 else f"{len(errors)} invalid values."
        super().__init__(
            message,
            field=first.path,
            fieldErrors=[{"field": e.path, "message": e.message} for e in errors],
        )
        self.errors = errors

    @classmethod
    def single(cls, path: str, message: str) -> "ValidationFailed":
        return cls([FieldError(path, message)])


class Validator:
    """Collects field errors so that one response reports every invalid value of an input."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def check(self, condition: bool, path: str, message: str) -> bool:
        if not condition:
            self.add(path, message)
        return condition

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
