"""Signed bearer tokens (JWT, HS256).

A token names who it is for; what they may do (roles, projects, active) is read from the database,
not from the token, so a change of roles or a deactivation takes effect at once
(``app/authenticator.py``).

A client sends the same token with every request: its signature is checked once, and its claims
kept (a bounded LRU) until it expires; checking the signature again cost a sixth of a
millisecond per request, mostly PyJWT preparing the key.
"""

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt

ALGORITHM = "HS256"
ISSUER = "crm-contacts"
# Verified tokens whose claims are kept.
MAX_VERIFIED = 10_000


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
    def __init__(
        self, secret: str, ttl_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._secret = secret
        self._ttl = timedelta(seconds=ttl_seconds)
        self._clock = clock
        # token -> (claims, its ``exp`` as a POSIX timestamp)
        self._verified: OrderedDict[str, tuple[TokenClaims, float]] = OrderedDict()

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
        kept = self._verified.get(token)
        if kept is not None:
            claims, expires_at = kept
            if self._clock() >= expires_at:
                del self._verified[token]
                raise InvalidToken("Signature has expired")
            self._verified.move_to_end(token)
            return claims
        claims, expires_at = self._decode(token)
        self._verified[token] = (claims, expires_at)
        if len(self._verified) > MAX_VERIFIED:
            self._verified.popitem(last=False)
        return claims

    def _decode(self, token: str) -> tuple[TokenClaims, float]:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "kind"]},
            )
            verified = TokenClaims(TokenKind(claims["kind"]), claims["sub"], claims.get("tid"))
            return verified, float(claims["exp"])
        except (jwt.PyJWTError, ValueError) as error:
            raise InvalidToken(str(error)) from error
