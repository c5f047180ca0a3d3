"""What one hostile or unlucky request costs the service, and whether a small company stays fast
beside a large one.

Prints, each beside a baseline measured in the same run:

- company A's first page of contacts (5 contacts) with company B empty, then with B at 20,000
  contacts, p50 and p95 (bar: within 20 %); baseline: ``me``;
- 20 concurrent clients mixing A's lists and ``matchCaller`` beside B's 20,000 contacts:
  requests per second, p99 and errors (bar: zero errors);
- a ``contacts`` filter with a 10,000-value ``in``, refused (bar: p50 under 10 ms); baseline:
  ``me`` over the same connection;
- 40 concurrent ``login`` calls on one email, the right password last: how many passwords were
  checked (bar: at most CRM_LOGIN_MAX_FAILURES failures answered UNAUTHENTICATED, no success);
- a deactivated user's open WebSocket: the time from the deactivation's answer to the close
  (bar: within 1 s);
- the hostile import files of tests/hostile_files.py (a sheet reaching XFD1048576, a
  shared-strings zip bomb) sent to ``importContacts`` (dry run): the answer's code and the
  service process's peak memory (bar: below 1 GiB).

    python bench/security.py
"""

import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pymongo import MongoClient

import bench.calls as calls
from bench.documents import operation
from bench.graphql_client import GraphQLClient
from bench.service import running_service
from tests.hostile_files import huge_dimension_xlsx, shared_string_bomb_xlsx

LARGE = 20_000
SMALL = 5
ROUNDS = 200
CLIENTS = 20
MIXED_REQUESTS = 100  # per client
LOGINS = 40
SPREAD_BAR = 0.20
REFUSAL_BAR_MS = 10.0
CLOSE_BAR_S = 1.0
MEMORY_BAR_MB = 1024

SECRET = calls.SECRET
PASSWORD = calls.PASSWORD
DATABASE = f"crm_bench_{uuid.uuid4().hex[:8]}"

PAGE = "query ($first: Int) { contacts(first: $first) { edges { node { id lastName } } } }"
ME = "query { me { id } }"
IN_FILTER = "query ($f: ContactFilter) { contacts(filter: $f, first: 20) { edges { cursor } } }"
DEACTIVATE = "mutation ($id: ID!) { updateUser(id: $id, input: {active: false}) { id active } }"


def ms(times: list[float], pct: float = 95) -> str:
    return (
        f"p50 {statistics.median(times) * 1000:.2f} ms, "
        f"p{pct:g} {calls.percentile(times, pct) * 1000:.2f} ms (n={len(times)})"
    )


def timed(work: Callable[[int], Any], rounds: int = ROUNDS) -> list[float]:
    for i in range(20):
        work(i)
    times = []
    for i in range(rounds):
        started = time.perf_counter()
        work(i)
        times.append(time.perf_counter() - started)
    return times


def answer(base_url: str, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    """The whole answer (errors included), with a client of its own."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        f"{base_url}/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=120,
    )
    return {"status": response.status_code, **response.json()}


def first_code(result: dict[str, Any]) -> str | None:
    errors = result.get("errors") or []
    return errors[0].get("extensions", {}).get("code") if errors else None


# --- the figures --------------------------------------------------------------------------------


def small_list(gql: GraphQLClient, desk: calls.Desk) -> list[float]:
    return timed(lambda _: gql.op(desk.agent_token, PAGE, first=20))


def mixed_load(base_url: str, desk: calls.Desk) -> str:
    """CLIENTS threads, each on its own connection, alternating lists and caller-ID matches."""
    match = operation("MatchCaller")
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(seat: int) -> None:
        gql = GraphQLClient(base_url)
        try:
            for i in range(MIXED_REQUESTS):
                started = time.perf_counter()
                try:
                    if i % 2:
                        gql.op(desk.agent_token, match, phone=calls.number(i % SMALL))
                    else:
                        gql.op(desk.agent_token, PAGE, first=20)
                except Exception as error:  # counted, not raised: the figure is the error count
                    with lock:
                        errors.append(repr(error)[:200])
                    continue
                with lock:
                    times.append(time.perf_counter() - started)
        finally:
            gql.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    elapsed = time.perf_counter() - started
    rate = (len(times) + len(errors)) / elapsed
    verdict = "PASS" if not errors else f"FAIL ({errors[:3]})"
    return (
        f"{CLIENTS} clients mixing lists and matchCaller on A, B at {LARGE:,}: "
        f"{rate:.0f} requests/s, {ms(times, 99)}, errors {len(errors)} | bar 0 errors: {verdict}"
    )


def in_refusal(gql: GraphQLClient, base_url: str, desk: calls.Desk) -> str:
    values = [f"name{i}" for i in range(10_000)]
    refused = answer(base_url, desk.agent_token, IN_FILTER, f={"firstName": {"in": values}})
    code = first_code(refused)
    payload = {"query": IN_FILTER, "variables": {"f": {"firstName": {"in": values}}}}
    body = json.dumps(payload).encode()
    connection = gql._connection
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {desk.agent_token}"}

    def send(_: int) -> None:
        connection.request("POST", "/graphql", body, headers)
        connection.getresponse().read()

    times = timed(send, 100)
    baseline = timed(lambda _: gql.op(desk.agent_token, ME), 100)
    verdict = "PASS" if code and statistics.median(times) * 1000 < REFUSAL_BAR_MS else "FAIL"
    return (
        f"contacts with a 10,000-value in: {code}, {ms(times)} | baseline me: {ms(baseline)} | "
        f"bar p50 < {REFUSAL_BAR_MS:g} ms: {verdict}"
    )


def login_race(base_url: str, gql: GraphQLClient, admin_token: str) -> str:
    email = f"race-{uuid.uuid4().hex[:6]}@bench.example"
    gql.op(
        admin_token,
        calls.SETUP["user"],
        input={"email": email, "password": PASSWORD, "displayName": "Race", "roles": ["AGENT"]},
    )
    login = calls.SETUP["login"]
    passwords = [f"wrong-{i}" for i in range(LOGINS - 1)] + [PASSWORD]

    def attempt(password: str) -> str:
        result = answer(base_url, None, login, e=email, p=password)
        return first_code(result) or "OK"

    with ThreadPoolExecutor(LOGINS) as pool:
        outcomes = list(pool.map(attempt, passwords))
    counted = {code: outcomes.count(code) for code in sorted(set(outcomes))}
    checked = counted.get("UNAUTHENTICATED", 0) + counted.get("OK", 0)
    return (
        f"{LOGINS} concurrent logins on one email, right password last: {counted}; "
        f"passwords checked at most {checked} (the limit is the service's CRM_LOGIN_MAX_FAILURES)"
    )


def socket_close(base_url: str, gql: GraphQLClient, admin_token: str, desk: calls.Desk) -> str:
    email = f"leaving-{uuid.uuid4().hex[:6]}@bench.example"
    user_id = gql.op(
        admin_token,
        calls.SETUP["user"],
        input={"email": email, "password": PASSWORD, "displayName": "Leaving", "roles": ["ADMIN"]},
    )["createUser"]["id"]
    token = gql.op(None, calls.SETUP["login"], e=email, p=PASSWORD)["login"]["token"]
    ws_url = base_url.replace("http://", "ws://") + "/graphql"
    with connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket_:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        socket_.send(json.dumps(init))
        assert json.loads(socket_.recv(10))["type"] == "connection_ack"
        subscribe = {"query": operation("IncomingCalls"), "variables": {}}
        socket_.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        time.sleep(0.5)
        gql.op(admin_token, DEACTIVATE, id=user_id)
        deactivated = time.perf_counter()
        code = None
        try:
            while True:
                socket_.recv(10)
        except Exception:
            code = socket_.close_code
        closed = time.perf_counter() - deactivated
    verdict = "PASS" if code == 4403 and closed <= CLOSE_BAR_S else "FAIL"
    return (
        f"deactivated user's socket: closed with {code} {closed * 1000:.0f} ms after the "
        f"deactivation answered | bar 4403 within {CLOSE_BAR_S:g} s: {verdict}"
    )


def service_pid(base_url: str) -> int:
    """The pid of the ``crm serve`` listening on the base url's port (read from /proc)."""
    port = base_url.rsplit(":", 1)[1]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in words and port.encode() in words:
            return int(cmdline.parent.name)
    raise RuntimeError("the service process was not found")


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def hostile_files(base_url: str, token: str, work: Path) -> list[str]:
    pid = service_pid(base_url)
    lines = [f"service peak memory before the files: {peak_memory_mb(pid):.0f} MB"]
    query = operation("ImportContacts")
    for name, make in (
        ("XFD1048576 sheet", huge_dimension_xlsx),
        ("zip bomb", shared_string_bomb_xlsx),
    ):
        path = work / f"{name.replace(' ', '-')}.xlsx"
        path.write_bytes(make())
        operations = {"query": query, "variables": {"file": None, "options": {"dryRun": True}}}
        started = time.perf_counter()
        response = httpx.post(
            f"{base_url}/graphql",
            headers={"Authorization": f"Bearer {token}"},
            data={
                "operations": json.dumps(operations),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            files={"0": (path.name, path.read_bytes())},
            timeout=300,
        )
        elapsed = time.perf_counter() - started
        code = first_code(response.json())
        alive = httpx.get(f"{base_url}/healthz", timeout=10).status_code == 200
        peak = peak_memory_mb(pid)
        verdict = "PASS" if code and alive and peak < MEMORY_BAR_MB else "FAIL"
        lines.append(
            f"{name} ({path.stat().st_size:,} bytes): {code} in {elapsed * 1000:.0f} ms, service "
            f"alive {alive}, peak memory {peak:.0f} MB | bar < {MEMORY_BAR_MB} MB: {verdict}"
        )
    return lines


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="crm-bench-security-") as folder:
        work = Path(folder)
        with running_service(work, DATABASE, SECRET) as (uri, base_url):
            gql = GraphQLClient(base_url)
            small = calls.make_company(gql, "Small")
            large = calls.make_company(gql, "Large")
            admin_token = gql.op(None, calls.SETUP["login"], e="admin@small.example", p=PASSWORD)[
                "login"
            ]["token"]
            with MongoClient(uri) as client:
                contacts = client[DATABASE].contacts
                calls.load_contacts(contacts, small, SMALL)
                alone = small_list(gql, small)
                baseline = timed(lambda _: gql.op(small.agent_token, ME))
                calls.load_contacts(contacts, large, LARGE)
            beside = small_list(gql, small)
            spread = statistics.median(beside) / statistics.median(alone) - 1
            verdict = "PASS" if spread <= SPREAD_BAR else "FAIL"
            print(f"A's first page, B empty:          {ms(alone)}")
            print(f"A's first page, B at {LARGE:,}:   {ms(beside)}")
            print(f"  baseline me:                    {ms(baseline)}")
            print(f"  p50 with B beside it: {spread:+.0%} | bar <= +{SPREAD_BAR:.0%}: {verdict}")
            print(mixed_load(base_url, small))
            print(in_refusal(gql, base_url, small))
            print(login_race(base_url, gql, admin_token))
            print(socket_close(base_url, gql, admin_token, small))
            for line in hostile_files(base_url, small.agent_token, work):
                print(line)
            gql.close()


if __name__ == "__main__":
    main()
