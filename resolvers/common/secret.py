"""How a write-only secret shows in the API: whether it is set and, for long ones, its last four."""

import strawberry

from models.secret import StoredSecret


@strawberry.type(description="A write-only secret: never returned in clear.")
class SecretStatus:
    is_set: bool
    last4: str | None = strawberry.field(
        description="The last four characters, given only for secrets of 12 characters or more."
    )


def secret_status(secret: StoredSecret | None) -> SecretStatus:
    if secret is None:
        return SecretStatus(is_set=False, last4=None)
    return SecretStatus(is_set=True, last4=secret.last4)
