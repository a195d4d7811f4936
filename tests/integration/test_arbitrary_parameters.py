"""Every path and query parameter of every call in the OpenAPI description, given arbitrary text
(NUL characters, lone surrogates, control characters, anything Unicode has) against a live gateway
on PostgreSQL: never a server error (issue 16, point 6).

Property-based (Hypothesis), a few examples per call and a fixed seed, so that the whole module runs
in seconds; the gateway runs on an event loop of its own in a thread, and the requests go through
``http.client``, so that the bytes sent are exactly the ones generated."""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from gateway.channels.http import keys
from gateway.channels.http.openapi.document import openapi_document
from tests.conftest import Gateway, make_settings, new_postgresql_database, start_gateway

pytestmark = pytest.mark.postgres

T = TypeVar("T")
METHODS = ("get", "post", "put", "patch", "delete")
EXAMPLES_PER_CALL = 12

#: any code point, surrogates included (sent as their UTF-8-like bytes, as a hostile client would),
#: and often a NUL among them: what PostgreSQL refuses
_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
ANY_TEXT = st.one_of(_TEXT, st.builds(lambda a, b: f"{a}\x00{b}", _TEXT, _TEXT))


@dataclass(frozen=True)
class Call:
    method: str
    template: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    content_type: str | None

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.template}"


def calls_with_parameters() -> list[Call]:
    found = []
    for template, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            params = [*operations.get("parameters", []), *operation.get("parameters", [])]
            path_params = tuple(p["name"] for p in params if p["in"] == "path")
            query_params = tuple(p["name"] for p in params if p["in"] == "query")
            if path_params or query_params:
                content = operation.get("requestBody", {}).get("content", {})
                found.append(Call(method, template, path_params, query_params, next(iter(content), None)))
    return found


CALLS = calls_with_parameters()


@dataclass
class Live:
    """A gateway on its own event loop in a thread, for synchronous Hypothesis tests."""

    host: str
    port: int
    token: str

    def send(self, method: str, target: str, content_type: str | None) -> tuple[int, str | None]:
        """The answer's status and problem code."""
        body = {"application/json": b"{}", "application/xml": b"<x/>", "text/xml": b"<x/>"}.get(
            content_type or "", b""
        )
        headers = {"Authorization": f"Bearer {self.token}", "Content-Length": str(len(body))}
        if content_type:
            headers["Content-Type"] = content_type
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method.upper(), target, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            problem = json.loads(answer) if response.getheader("Content-Type", "").endswith("json") else {}
            return response.status, problem.get("code") if isinstance(problem, dict) else None
        finally:
            connection.close()


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="gateway-under-test", daemon=True)
    thread.start()

    def run(coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=60)

    try:
        with new_postgresql_database() as url:
            running = start_gateway(make_settings(url, None))
            gateway: Gateway = run(running.__anext__())
            try:
                accounts = gateway.app[keys.SERVICES].administration.accounts
                login = "hypothesis-operator@example.test"
                run(accounts.add(login, role="operator"))
                address = urlsplit(gateway.url)
                assert address.hostname and address.port
                yield Live(address.hostname, address.port, run(accounts.issue_token(login)))
            finally:
                run(running.aclose())
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def encoded(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def target_of(call: Call, values: dict[str, str]) -> str:
    path = call.template
    for name in call.path_params:
        path = path.replace("{" + name + "}", encoded(values[name]))
    query = "&".join(
        f"{encoded(name)}={encoded(values[name])}" for name in call.query_params if name in values
    )
    return f"{path}?{query}" if query else path


def arguments(call: Call) -> st.SearchStrategy[dict[str, str]]:
    """Every path parameter, and any subset of the query parameters, with arbitrary text."""
    return st.fixed_dictionaries(
        {name: ANY_TEXT for name in call.path_params},
        optional={name: ANY_TEXT for name in call.query_params},
    )


def test_every_call_with_parameters_is_covered() -> None:
    described = {str(c) for c in CALLS}
    assert {
        "GET /api/v1/documents/{reference}",
        "GET /api/v1/mailbox",
        "GET /api/v1/admin/accounts/{login}",
    } <= described
    assert len(CALLS) >= 25


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_arbitrary_text_in_any_parameter_is_never_a_server_error(live: Live, call: Call) -> None:
    @seed(20261205)
    @settings(
        max_examples=EXAMPLES_PER_CALL,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(values=arguments(call))
    def never_a_server_error(values: dict[str, str]) -> None:
        target = target_of(call, values)
        status, code = live.send(call.method, target, call.content_type)
        assert status < 500, (str(call), target, status)
        if any("\x00" in value for value in values.values()):
            assert (status, code) == (400, "INVALID_PARAMETER"), (str(call), target)

    never_a_server_error()


def test_the_described_parameters_reach_the_server_as_sent(live: Live) -> None:
    """The encoding itself: a NUL arrives as a NUL (and is refused as such)."""
    status, code = live.send("get", "/api/v1/documents?acting_for=" + encoded("\x00"), None)
    assert (status, code) == (400, "INVALID_PARAMETER")
    assert live.send("get", "/api/v1/documents?acting_for=x", None)[0] == 200
