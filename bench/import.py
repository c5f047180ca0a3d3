"""Import of a 100,000-row xlsx with 10 custom fields, end to end, beside the limit.

The service runs as ``crm serve`` (a child process) on an embedded database server (another
child). The file is uploaded with ``importContacts`` and the job polled until it is COMPLETED:
rows per second is rows / (upload to completion). The limit is measured in the same run: the
same file read with the same reader (the child process of app.sheet_reading, rows back over a
pipe), plus a raw ``insert_many`` (batches of 500) of the documents the import wrote, into the
same collection and indexes (another CRM), with nothing else. The peak memory is the service
process's high-water mark (VmHWM).

Bars: at least half the limit's speed; peak memory at most 500 MB.

    python bench/import.py [--rows 100000]
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import xlsxwriter
from bson import ObjectId
from pymongo import MongoClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.embedded import EmbeddedServer
from app.spreadsheets import open_sheet
from app.tokens import TokenKind, TokenService
from models.import_job import FileKind
from tests.conftest import free_port, wait_until_ready
from tests.operations import document

SECRET = "bench-jwt-secret-of-sufficient-length-0123456789"
PASSWORD = "bench password long enough"
BATCH = 500
FIELDS = [  # name, type, options, searchable, unique
    ("Numer klienta", "INTEGER", None, True, True),
    ("Rok założenia", "INTEGER", None, True, False),
    ("Obrót", "DECIMAL", None, True, False),
    ("Limit kredytowy", "DECIMAL", None, False, False),
    ("VIP", "FLAG", None, True, False),
    ("Data pierwszego kontaktu", "DATE", None, True, False),
    ("Segment klienta", "SELECT", ["A", "B", "C"], True, False),
    ("Zainteresowania", "MULTI_SELECT", ["Internet", "Telewizja", "Telefon"], True, False),
    ("Branża", "TEXT", None, True, False),
    ("Notatka", "LONG_TEXT", None, False, False),
]
CITIES = ["Kraków", "Warszawa", "Gdańsk", "Łódź", "Poznań", "Wrocław"]
JOB = (
    """query BenchJob($id: ID!) { importJob(id: $id) { status total processed created failed } }"""
)


def make_file(path: Path, rows: int) -> None:
    random.seed(7)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Kontakty")
    day = workbook.add_format({"num_format": "dd.mm.yyyy"})
    header = ["Imię", "Nazwisko", "E-mail", "Telefon", "Miasto", "Kod pocztowy"]
    sheet.write_row(0, 0, header + [name for name, *_ in FIELDS])
    for r in range(1, rows + 1):
        sheet.write_row(
            r,
            0,
            [
                f"Jan{r}",
                f"Kowalski{r}",
                f"jan.kowalski{r}@example.com",
                f"+48 5{r:08d}",
                random.choice(CITIES),
                f"{random.randint(10, 99)}-{random.randint(100, 999)}",
            ],
        )
        sheet.write_number(r, 6, 100000 + r)
        sheet.write_number(r, 7, random.randint(1950, 2024))
        sheet.write_string(r, 8, f"{random.randint(0, 999999)},{random.randint(0, 99):02d}")
        sheet.write_number(r, 9, random.randint(0, 10**6) / 100)
        sheet.write_string(r, 10, random.choice(["TAK", "NIE"]))
        sheet.write_datetime(r, 11, date(2020, 1, 1) + timedelta(days=r % 1500), day)
        sheet.write_string(r, 12, random.choice("ABC"))
        sheet.write_string(r, 13, "Internet; Telefon" if r % 2 else "Telewizja")
        sheet.write_string(r, 14, random.choice(["IT", "Handel", "Usługi"]))
        sheet.write_string(r, 15, f"Notatka o kliencie numer {r}.")
    workbook.close()


def gql(base: str, token: str | None, query: str, name: str, **variables) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"query": query, "operationName": name, "variables": variables}
    response = httpx.post(f"{base}/graphql", json=body, headers=headers, timeout=120)
    result = response.json()
    if result.get("errors"):
        raise RuntimeError(result["errors"])
    return result["data"]


def set_up_company(base: str) -> tuple[str, str]:
    operator = TokenService(SECRET, 3600).issue(TokenKind.OPERATOR, "operator")
    email = "admin@bench-import.example"
    company = {"name": "Bench Import", "adminEmail": email, "adminPassword": PASSWORD}
    gql(base, operator, document("CreateCompany"), "CreateCompany", input=company)
    login = gql(base, None, document("Login"), "Login", email=email, password=PASSWORD)
    token = login["login"]["token"]
    crm = gql(base, token, document("CreateCrm"), "CreateCrm", input={"name": "Sprzedaż"})
    crm_id = crm["createCrm"]["id"]
    gql(
        base,
        token,
        document("UpdateCompanySettings"),
        "UpdateCompanySettings",
        input={"defaultCrmId": crm_id},
    )
    for position, (name, field_type, options, searchable, unique) in enumerate(FIELDS):
        field = {
            "entity": "CONTACT",
            "name": name,
            "type": field_type,
            "options": options,
            "position": position,
            "searchable": searchable,
            "unique": unique,
        }
        gql(base, token, document("CreateFieldDefinition"), "CreateFieldDefinition", input=field)
    return token, crm_id


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_import(base: str, token: str, path: Path, rows: int) -> float:
    operations = {
        "query": document("ImportContacts"),
        "operationName": "ImportContacts",
        "variables": {"file": None, "options": {"mode": "UPSERT", "matchOn": "email"}},
    }
    started = time.perf_counter()
    with path.open("rb") as file:
        response = httpx.post(
            f"{base}/graphql",
            data={
                "operations": json.dumps(operations),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            files={"0": (path.name, file, "application/octet-stream")},
            headers={"Authorization": f"Bearer {token}"},
            timeout=300,
        )
    job_id = response.json()["data"]["importContacts"]["id"]
    shown = time.perf_counter()
    while True:
        job = gql(base, token, JOB, "BenchJob", id=job_id)["importJob"]
        if job["status"] not in ("QUEUED", "RUNNING"):
            break
        if time.perf_counter() - shown > 10:
            shown = time.perf_counter()
            print(f"  {job['processed']:,} of {job['total']:,} rows", file=sys.stderr, flush=True)
        time.sleep(0.5)
    elapsed = time.perf_counter() - started
    if job["status"] != "COMPLETED" or job["created"] != rows:
        raise RuntimeError(f"the import did not complete as expected: {job}")
    return elapsed


def limit(uri: str, database: str, path: Path, crm_id: str, rows: int) -> tuple[float, float]:
    """Seconds to read the file with the same reader, and to insert the prepared documents."""
    started = time.perf_counter()
    sheet = open_sheet(path, FileKind.XLSX)
    count = sum(1 for _ in sheet.rows())
    sheet.close()
    read = time.perf_counter() - started
    assert count == rows
    client: MongoClient = MongoClient(uri, tz_aware=True)
    contacts = client[database]["contacts"]
    prepared = list(contacts.find({"crm_id": ObjectId(crm_id)}))
    other_crm = ObjectId()
    for doc in prepared:
        doc["_id"], doc["crm_id"] = ObjectId(), other_crm
    started = time.perf_counter()
    for i in range(0, len(prepared), BATCH):
        contacts.insert_many(prepared[i : i + BATCH])
    insert = time.perf_counter() - started
    client.close()
    return read, insert


def measure(server: EmbeddedServer, data_dir: Path, path: Path, rows: int) -> tuple:
    """(import rows/s, limit rows/s, the service's peak memory in MB)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(
        CRM_MONGODB_URI=server.uri,
        CRM_DATABASE="bench",
        CRM_DATA_DIR=str(data_dir),
        CRM_JWT_SECRET=SECRET,
        CRM_LOG_LEVEL="WARNING",
    )
    service = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port)], env=env)
    try:
        wait_until_ready(base, service)
        token, crm_id = set_up_company(base)
        elapsed = run_import(base, token, path, rows)
        peak = peak_memory_mb(service.pid)
    finally:
        service.terminate()
        service.wait(timeout=60)
    read, insert = limit(server.uri, "bench", path, crm_id, rows)
    print(f"import end to end:      {elapsed:8.1f} s  {rows / elapsed:8,.0f} rows/s")
    print(
        f"limit (read + insert):  {read + insert:8.1f} s  {rows / (read + insert):8,.0f} rows/s"
        f"  (read {read:.1f} s, insert_many {insert:.1f} s)"
    )
    return rows / elapsed, rows / (read + insert), peak


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that finally blocks run
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    with tempfile.TemporaryDirectory(prefix="crm-bench-import-") as tmp:
        data_dir = Path(tmp)
        path = data_dir / "kontakty.xlsx"
        print(f"generating {rows:,} rows with {len(FIELDS)} custom fields ...", flush=True)
        make_file(path, rows)
        print(f"file: {path.stat().st_size / 2**20:.1f} MB", flush=True)
        server = EmbeddedServer(data_dir / "embedded").start()
        try:
            speed, limit_speed, peak = measure(server, data_dir, path, rows)
        finally:
            server.stop()
    ratio = speed / limit_speed
    verdict = "ok" if ratio >= 0.5 else "MISSED"
    print(f"ratio: {ratio:.2f} of the limit (bar: at least 0.50) {verdict}")
    verdict = "ok" if peak <= 500 else "MISSED"
    print(f"service peak memory: {peak:.0f} MB (bar: at most 500 MB) {verdict}")


if __name__ == "__main__":
    main()
