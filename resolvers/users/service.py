"""Creating and changing users: validation, uniqueness of emails, the last-admin guard."""

from typing import Any

from beanie import PydanticObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from app.passwords import MIN_PASSWORD_LENGTH, hash_password
from models.errors import Conflict, NotFound, ValidationFailed, Validator
from models.timestamps import utcnow
from models.user import Role, User
from models.values import check_name, is_valid_email, normalize_email
from resolvers.common.company_lock import under_company_lock
from resolvers.common.inputs import given, refuse_nulls
from resolvers.users.inputs import CreateUserInput, UpdateUserInput


def _check_email(v: Validator, email: str, path: str) -> str:
    normalized = normalize_email(email)
    v.check(is_valid_email(normalized), path, "Not a valid email address.")
    return normalized


def _check_password(v: Validator, password: str, path: str) -> None:
    v.check(
        len(password) >= MIN_PASSWORD_LENGTH,
        path,
        f"At least {MIN_PASSWORD_LENGTH} characters.",
    )


def _check_roles(v: Validator, roles: list[Role], path: str) -> list[Role]:
    v.check(bool(roles), path, "A user needs at least one role.")
    return list(dict.fromkeys(roles))


def _email_taken(holder: User | None) -> Conflict:
    """Emails are unique across the service; a holder in another company is not named."""
    return Conflict(
        "A user with this email already exists.",
        field="email",
        existing_id=holder.id if holder is not None else None,
    )


USER_INPUT_PATHS = {
    "email": "input.email",
    "password": "input.password",
    "displayName": "input.displayName",
    "roles": "input.roles",
}


async def prepare_user(
    tenant_id: PydanticObjectId,
    data: CreateUserInput,
    paths: dict[str, str] = USER_INPUT_PATHS,
) -> User:
    """A validated new user, not yet stored; ``paths`` name the input fields in errors."""
    v = Validator()
    email = _check_email(v, data.email, paths["email"])
    _check_password(v, data.password, paths["password"])
    display_name = check_name(v, data.display_name, paths["displayName"])
    roles = _check_roles(v, data.roles, paths["roles"])
    v.raise_if_any()
    return User(
        tenant_id=tenant_id,
        email=email,
        display_name=display_name,
        roles=roles,
        permissions=list(dict.fromkeys(data.permissions)),
        password_hash=await hash_password(data.password),
    )


async def insert_user(user: User) -> User:
    try:
        await user.insert()
    except DuplicateKeyError as error:
        holder = await User.find_one({"email": user.email, "tenant_id": user.tenant_id})
        raise _email_taken(holder) from error
    return user


async def create_user(tenant_id: PydanticObjectId, data: CreateUserInput) -> User:
    return await insert_user(await prepare_user(tenant_id, data))


async def get_user(tenant_id: PydanticObjectId, user_id: PydanticObjectId) -> User:
    user = await User.find_one({"_id": user_id, "tenant_id": tenant_id})
    if user is None:
        raise NotFound("User", user_id)
    return user


def _may_remove_an_admin(user: User, changes: dict[str, Any]) -> bool:
    stays_admin = Role.ADMIN in changes.get("roles", user.roles) and changes.get(
        "active", user.active
    )
    return user.is_admin and user.active and not stays_admin


async def _refuse_removing_the_last_admin(
    user: User, changes: dict[str, Any], session: AsyncClientSession
) -> None:
    """Counted in the transaction of the change, under the company's lock: two admins demoting
    each other at once cannot both see the other still there."""
    other_admins = await User.find(
        {"tenant_id": user.tenant_id, "roles": Role.ADMIN, "active": True, "_id": {"$ne": user.id}},
        session=session,
    ).count()
    if other_admins == 0:
        raise ValidationFailed.single(
            "input.roles" if "roles" in changes else "input.active",
            "The company must keep at least one active administrator.",
        )


async def _write_user(user: User, changes: dict[str, Any]) -> None:
    """Writes ``changes``; a change of roles or of ``active`` under the company's lock, checked
    against the user as stored in that transaction."""
    if "roles" not in changes and "active" not in changes:
        await user.set(changes)
        return

    async def guarded(session: AsyncClientSession) -> None:
        stored = await User.get(user.id, session=session)
        if stored is not None and _may_remove_an_admin(stored, changes):
            await _refuse_removing_the_last_admin(stored, changes, session)
        await user.set(changes, session=session)

    await under_company_lock(user.tenant_id, guarded)


async def update_user(
    tenant_id: PydanticObjectId, user_id: PydanticObjectId, data: UpdateUserInput
) -> User:
    user = await get_user(tenant_id, user_id)
    v = Validator()
    refuse_nulls(v, data, ("email", "password", "display_name", "roles", "permissions", "active"))
    v.raise_if_any()
    changes: dict[str, Any] = {}
    if given(data.email):
        changes["email"] = _check_email(v, data.email, "input.email")
    if given(data.password):
        _check_password(v, data.password, "input.password")
        changes["password_hash"] = await hash_password(data.password)
    if given(data.display_name):
        changes["display_name"] = check_name(v, data.display_name, "input.displayName")
    if given(data.roles):
        changes["roles"] = _check_roles(v, data.roles, "input.roles")
    if given(data.permissions):
        changes["permissions"] = list(dict.fromkeys(data.permissions))
    if given(data.active):
        changes["active"] = data.active
    v.raise_if_any()
    if not changes:
        return user
    if "password_hash" in changes or changes.get("active") is False:
        # The user's tokens issued until now stop working (app/authenticator.py).
        changes["token_version"] = user.token_version + 1
    changes["updated_at"] = utcnow()
    try:
        await _write_user(user, changes)
    except DuplicateKeyError as error:
        holder = await User.find_one({"email": changes["email"], "tenant_id": tenant_id})
        raise _email_taken(holder) from error
    return user
