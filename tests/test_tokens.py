"""Pure rules of bearer tokens: a verified token's claims are kept, never past its expiry."""

from datetime import UTC, datetime

import pytest

from app.tokens import InvalidToken, TokenKind, TokenService

SECRET = "a-test-secret-of-sufficient-length-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).timestamp()

    def __call__(self) -> float:
        return self.now


def test_a_kept_token_is_refused_once_it_expires():
    clock = Clock()
    tokens = TokenService(SECRET, 60, clock=clock)
    token = tokens.issue(TokenKind.USER, "user-1", "company-1")
    first = tokens.verify(token)
    assert (first.kind, first.subject, first.tenant_id) == (TokenKind.USER, "user-1", "company-1")

    clock.now += 59
    assert tokens.verify(token) == first
    clock.now += 2
    with pytest.raises(InvalidToken):
        tokens.verify(token)


def test_a_changed_or_foreign_token_is_refused_though_a_valid_one_is_kept():
    tokens = TokenService(SECRET, 60)
    token = tokens.issue(TokenKind.OPERATOR, "operator")
    tokens.verify(token)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    foreign = TokenService(SECRET[::-1], 60).issue(TokenKind.OPERATOR, "operator")
    for refused in (tampered, foreign, foreign):
        with pytest.raises(InvalidToken):
            tokens.verify(refused)
