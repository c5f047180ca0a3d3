"""The ``crm`` command: ``serve``, ``token``, ``export-schema``, ``import``, ``export``."""

import argparse
import asyncio
import gc
import logging
import sys
from pathlib import Path

from app.settings import Settings

# `crm import`: the job ran, but some rows failed (they are in FILE.errors.csv); 1: it failed.
SOME_ROWS_FAILED = 2


def _require_database(settings: Settings, command: str) -> None:
    """Commands that read the service's data refuse a data directory without a database, rather
    than creating one there with new keys (run from another directory, they would)."""
    if settings.mongodb_uri or (settings.data_dir / "embedded" / "db").exists():
        return
    sys.exit(
        f"crm {command}: no database in {settings.data_dir.resolve()}: run the command in the "
        "directory where `crm serve` ran, or set CRM_DATA_DIR to the service's data directory "
        "(or CRM_MONGODB_URI to its database)"
    )


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    from app.server import create_app
    from app.serving import serve

    overrides = {k: v for k, v in {"host": args.host, "port": args.port}.items() if v is not None}
    settings = settings.model_copy(update=overrides)
    app = create_app(settings, demo=args.demo)
    # The modules and the base schema live as long as the process: frozen, the collector's full
    # passes no longer walk them, which were the longest pauses under a fan-out of call events.
    gc.freeze()
    serve(app, settings)


def _token(args: argparse.Namespace, settings: Settings) -> None:
    from app.keys import jwt_secret

    if not (args.operator and settings.jwt_secret):  # an operator token needs only the secret
        _require_database(settings, "token")
    from app.tokens import TokenKind, TokenService

    tokens = TokenService(jwt_secret(settings), settings.token_ttl)
    if args.operator:
        print(tokens.issue(TokenKind.OPERATOR, "operator"))
        return
    if args.telephony:
        from app.user_tokens import telephony_token

        token = asyncio.run(telephony_token(settings, tokens, args.telephony))
        if token is None:
            sys.exit(f"crm token: no company {args.telephony}")
        print(token)
        return
    if not args.email:
        sys.exit("crm token: give an EMAIL, --operator or --telephony COMPANY")
    from app.user_tokens import token_for_email

    token = asyncio.run(token_for_email(settings, tokens, args.email))
    if token is None:
        sys.exit(f"crm token: no active user with email {args.email}")
    print(token)


def _import(args: argparse.Namespace, settings: Settings) -> None:
    from app.import_cli import CommandError, import_file, print_progress
    from models.import_job import ImportMode

    _require_database(settings, "import")
    try:
        outcome = import_file(
            settings,
            args.file,
            args.company,
            args.crm,
            mode=ImportMode(args.mode.upper().replace("-", "_")),
            match_on=args.match_on,
            dry_run=args.dry_run,
            create_missing_references=args.create_missing_references,
            sheet=args.sheet,
            show=print_progress,
        )
    except CommandError as error:
        sys.exit(f"crm import: {error}")
    print(file=sys.stderr)
    job = outcome.job
    if job.get("status") != "COMPLETED":
        sys.exit(f"crm import: {job.get('status')} {job.get('message') or ''}".rstrip())
    if outcome.errors_file is not None:
        print(f"{job['failed']:,} rows failed: see {outcome.errors_file}", file=sys.stderr)
        sys.exit(SOME_ROWS_FAILED)


def _export(args: argparse.Namespace, settings: Settings) -> None:
    from app.import_cli import CommandError, export_file, print_progress
    from models.export_job import ExportFormat

    _require_database(settings, "export")
    try:
        job = export_file(
            settings,
            args.output,
            args.company,
            args.crm,
            format=ExportFormat(args.format.upper()),
            show=print_progress,
        )
    except CommandError as error:
        sys.exit(f"crm export: {error}")
    print(file=sys.stderr)
    if job.get("status") != "COMPLETED":
        sys.exit(f"crm export: {job.get('status')} {job.get('message') or ''}".rstrip())


def _export_schema(args: argparse.Namespace, settings: Settings) -> None:
    from resolvers.schema import build_schema

    if not args.company:
        print(build_schema().as_str())
        return
    from app.user_tokens import company_definitions

    _require_database(settings, "export-schema")
    definitions = asyncio.run(company_definitions(settings, args.company))
    if definitions is None:
        sys.exit(f"crm export-schema: no company {args.company}")
    print(build_schema(definitions).as_str())


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="crm", description="CRM contacts service")
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the GraphQL service")
    serve.add_argument("--host", help="address to listen on (CRM_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (CRM_PORT)")
    serve.add_argument(
        "--demo", action="store_true", help="create the demo company once and print how to log in"
    )
    serve.set_defaults(run=_serve)

    token = commands.add_parser("token", help="print a bearer token")
    token.add_argument("email", nargs="?", help="the user to issue a token for")
    token.add_argument("--operator", action="store_true", help="a token of the operator level")
    token.add_argument(
        "--telephony",
        metavar="COMPANY",
        help="a token of the company's telephony side (company name or id): it reports calls",
    )
    token.set_defaults(run=_token)

    export = commands.add_parser("export-schema", help="print the SDL of the base schema")
    export.add_argument(
        "--company",
        metavar="NAME",
        help="the schema of this company (name or id): the base one with its custom fields",
    )
    export.set_defaults(run=_export_schema)

    imports = commands.add_parser(
        "import",
        help="import contacts from an xlsx/xls/ods/csv file",
        description="Imports contacts as the company's first administrator. Rows that fail are "
        "written to FILE.errors.csv beside the file. Exit status: 0 every row imported, "
        f"{SOME_ROWS_FAILED} some rows failed, 1 the import failed.",
    )
    imports.add_argument("file", type=Path, help="the file")
    imports.add_argument("--company", required=True, help="the company's name")
    imports.add_argument("--crm", required=True, help="the CRM's name")
    imports.add_argument(
        "--mode",
        choices=["create-only", "upsert"],
        default="create-only",
        help="create-only: every row is a new contact unless --match-on is given, then rows "
        "that match a stored contact are skipped; upsert: matched contacts are updated",
    )
    imports.add_argument(
        "--match-on",
        help="email, phone, id or the key of a unique field (upsert needs it); without it, a "
        "create-only import creates a second contact for a row with a stored contact's email or "
        "phone (a row with a stored unique field's value fails)",
    )
    imports.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    imports.add_argument(
        "--create-missing-references",
        action="store_true",
        help="create the stages, positions and sources the file names; accept new tags",
    )
    imports.add_argument("--sheet", help="the sheet to read (default: the first)")
    imports.set_defaults(run=_import)

    exports = commands.add_parser("export", help="export a CRM's contacts to an xlsx or csv file")
    exports.add_argument("output", type=Path, help="the file to write")
    exports.add_argument("--company", required=True, help="the company's name")
    exports.add_argument("--crm", required=True, help="the CRM's name")
    exports.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    exports.set_defaults(run=_export)
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # The HTTP client's own lines name every URL it requests; vendor URLs may hold secrets.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # pymongo's DEBUG lines hold whole commands and replies: customer data and password hashes.
    logging.getLogger("pymongo").setLevel(max(logging.INFO, logging.getLogger().level))
    args.run(args, settings)
