"""The ``crm`` command: ``serve``, ``token``, ``export-schema``, ``import``, ``export``."""

import argparse
import asyncio
import gc
import logging
import sys
from pathlib import Path

from app.settings import Settings


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    from app.server import create_app

    overrides = {k: v for k, v in {"host": args.host, "port": args.port}.items() if v is not None}
    settings = settings.model_copy(update=overrides)
    app = create_app(settings, demo=args.demo)
    # The modules and the base schema live as long as the process: frozen, the collector's full
    # passes no longer walk them, which were the longest pauses under a fan-out of call events.
    gc.freeze()
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level.lower())


def _token(args: argparse.Namespace, settings: Settings) -> None:
    from app.keys import jwt_secret
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

    try:
        job = import_file(
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
    if job.get("failed"):
        print(f"failed rows: GET /imports/{job['_id']}/errors.csv", file=sys.stderr)
    if job.get("status") != "COMPLETED":
        sys.exit(f"crm import: {job.get('status')} {job.get('message') or ''}".rstrip())


def _export(args: argparse.Namespace, settings: Settings) -> None:
    from app.import_cli import CommandError, export_file, print_progress
    from models.export_job import ExportFormat

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


def _export_schema(_: argparse.Namespace, __: Settings) -> None:
    from resolvers.schema import build_schema

    print(build_schema().as_str())


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
    export.set_defaults(run=_export_schema)

    imports = commands.add_parser("import", help="import contacts from an xlsx/xls/ods/csv file")
    imports.add_argument("file", type=Path, help="the file")
    imports.add_argument("--company", required=True, help="the company's name")
    imports.add_argument("--crm", required=True, help="the CRM's name")
    imports.add_argument("--mode", choices=["create-only", "upsert"], default="create-only")
    imports.add_argument(
        "--match-on", help="email, phone, id or the key of a unique field (UPSERT needs it)"
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
    args.run(args, settings)
