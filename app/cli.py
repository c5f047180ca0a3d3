"""The ``crm`` command: ``serve``, ``token``, ``export-schema``."""

import argparse
import asyncio
import logging
import sys

from app.settings import Settings


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    from app.server import create_app

    overrides = {k: v for k, v in {"host": args.host, "port": args.port}.items() if v is not None}
    settings = settings.model_copy(update=overrides)
    app = create_app(settings, demo=args.demo)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level.lower())


def _token(args: argparse.Namespace, settings: Settings) -> None:
    from app.keys import jwt_secret
    from app.tokens import TokenKind, TokenService

    tokens = TokenService(jwt_secret(settings), settings.token_ttl)
    if args.operator:
        print(tokens.issue(TokenKind.OPERATOR, "operator"))
        return
    if not args.email:
        sys.exit("crm token: give an EMAIL, or --operator")
    from app.user_tokens import token_for_email

    token = asyncio.run(token_for_email(settings, tokens, args.email))
    if token is None:
        sys.exit(f"crm token: no active user with email {args.email}")
    print(token)


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
    token.set_defaults(run=_token)

    export = commands.add_parser("export-schema", help="print the SDL of the base schema")
    export.set_defaults(run=_export_schema)
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args.run(args, settings)
