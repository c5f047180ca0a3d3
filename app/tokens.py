"""Signed bearer tokens (JWT, HS256).

A token names who it is for; what they may do (roles, projects, active) is read from the database,
not from the token, so a change of roles or a deactivation takes effect at once
(``app/authenticator.py``).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt

ALGORITHM = "HS256"
ISSUER = "crm-contacts"


class TokenKind(StrEnum):
    USER = "user"
    OPERATOR = "operator"
    # The telephony side of one company: reports its calls, receives its dial requests.
    TELEPHONY = "telephony"


@dataclass(frozen=True)
class TokenClaims:
    kind: TokenKind
    subject: str
    tenant_id: str | None


class InvalidToken(Exception):
    pass


class TokenService:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._secret = secret
        self._ttl = timedelta(seconds=ttl_seconds)

    def issue(self, kind: TokenKind, subject: str, tenant_id: str | None = None) -> str:
        now = datetime.now(UTC)
        claims = {
            "iss": ISSUER,
            "kind": kind.value,
            "sub": subject,
            "iat": now,
            "exp": now + self._ttl,
        }
        if tenant_id is not None:
            claims["tid"] = tenant_id
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "kind"]},
            )
            return TokenClaims(TokenKind(claims["kind"]), claims["sub"], claims.get("tid"))
        except (jwt.PyJWTError, ValueError) as error:
            raise InvalidToken(str(error)) from error
