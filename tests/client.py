"""A GraphQL client over HTTP for the tests, with the response's errors made easy to assert."""

from dataclasses import dataclass
from typing import Any

import httpx

from tests.operations import document

# A well-formed id that names no record.
NO_SUCH_ID = "0123456789abcdef01234567"


@dataclass
class Result:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> dict[str, Any]:
        assert not self.body.get("errors"), self.body["errors"]
        return self.body["data"]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def error_code(self) -> str:
        assert self.errors, f"expected an error, got {self.body}"
        return self.errors[0]["extensions"]["code"]

    @property
    def error(self) -> dict[str, Any]:
        assert self.errors, f"expected an error, got {self.body}"
        return self.errors[0]


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient, token: str | None = None) -> None:
        self.http = http
        self.token = token

    def as_(self, token: str | None) -> "GraphQLClient":
        return GraphQLClient(self.http, token)

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, name: str | None = None
    ) -> Result:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        payload: dict[str, Any] = {"query": query, "variables": variables or {}}
        if name:
            payload["operationName"] = name
        response = await self.http.post("/graphql", json=payload, headers=headers)
        return Result(response.status_code, response.json())

    async def op(self, name: str, **variables: Any) -> Result:
        """Runs the named operation of ``graphql/``."""
        return await self.raw(document(name), variables, name)


def field_paths(result: Result) -> set[str]:
    """The paths a VALIDATION_FAILED error names."""
    assert result.error_code == "VALIDATION_FAILED", result.body
    return {e["field"] for e in result.error["extensions"]["fieldErrors"]}
