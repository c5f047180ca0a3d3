"""Signed bearer tokens (JWT, HS256).

A token names who it is for; what they may do (roles, projects, active) is read from the database,
not from the token, so a change of roles or a deactivation takes effect at once
(``app/authenticator.py``).

A client sends the same token with every request: its signature is checked once, and its claims
kept (a bounded LRU) until it expires; checking the signature again cost a sixth of a
millisecond per request, mostly PyJWT preparing the key.
"""

import math
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
    # Its ``exp``, a POSIX timestamp.
    expires_at: float = math.inf
    # The user's token version when it was issued (models/user.py); 0 for other kinds.
    version: int = 0


class InvalidToken(Exception):
    pass


class TokenService:
    def __init__(
        self, secret: str, ttl_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._secret = secret
        self._ttl = timedelta(seconds=ttl_seconds)
        self._clock = clock
        self._verified: OrderedDict[str, TokenClaims] = OrderedDict()

    def issue(
        self, kind: TokenKind, subject: str, tenant_id: str | None = None, version: int = 0
    ) -> str:
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
        if version:
            claims["ver"] = version
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> TokenClaims:
        claims = self._verified.get(token)
        if claims is not None:
            if self._clock() >= claims.expires_at:
                del self._verified[token]
                raise InvalidToken("Signature has expired")
            self._verified.move_to_end(token)
            return claims
        claims = self._decode(token)
        self._verified[token] = claims
        if len(self._verified) > MAX_VERIFIED:
            self._verified.popitem(last=False)
        return claims

    def _decode(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "kind"]},
            )
            return TokenClaims(
                TokenKind(claims["kind"]),
                claims["sub"],
                claims.get("tid"),
                float(claims["exp"]),
                int(claims.get("ver", 0)),
            )
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            raise InvalidToken(str(error)) from error
