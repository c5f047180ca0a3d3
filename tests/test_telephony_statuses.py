"""The HTTP status of each error code that ``POST /telephony/events`` answers (a pure rule: an
exchange retries on 503 and 429 after Retry-After, and gives up on 4xx)."""

import json

import pytest

from app.telephony import telephony_error_response
from models.errors import ServiceUnavailable, TooManyRequests


@pytest.mark.parametrize(
    ("error", "status", "retry_after"),
    [
        (ServiceUnavailable(), 503, "2"),
        (TooManyRequests("Slow down.", retry_after_seconds=7), 429, "7"),
    ],
)
def test_retryable_errors_carry_their_status_and_retry_after(error, status, retry_after):
    response = telephony_error_response(
        [{"message": error.message, "extensions": error.extensions}]
    )
    assert response.status_code == status
    assert response.headers["Retry-After"] == retry_after
    assert json.loads(response.body)["errors"][0]["extensions"]["code"] == error.code


@pytest.mark.parametrize(
    ("code", "status"), [("TIMEOUT", 504), ("GONE", 410), ("VALIDATION_FAILED", 422)]
)
def test_other_codes_have_their_status_and_no_retry_after(code, status):
    response = telephony_error_response([{"message": "x", "extensions": {"code": code}}])
    assert response.status_code == status
    assert "Retry-After" not in response.headers
