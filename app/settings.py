"""Service settings from the environment (prefix ``CRM_``); the README lists every one."""

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore")

    mongodb_uri: str | None = Field(
        default=None,
        description="MongoDB connection string; unset: the embedded SecantusDB server is started.",
    )
    data_dir: Path = Field(
        default=Path("./data"),
        description="Directory of the embedded database and of generated secrets.",
    )
    database: str = Field(default="crm", description="Database name.")
    host: str = Field(default="127.0.0.1", description="Address `crm serve` listens on.")
    port: int = Field(default=8000, description="Port `crm serve` listens on.")
    jwt_secret: str | None = Field(
        default=None,
        description="HS256 key of bearer tokens; unset: generated once into the data directory.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Fernet key encrypting stored secrets; generated once into the data directory "
        "when unset.",
    )
    token_ttl: int = Field(default=12 * 3600, ge=60, description="Token lifetime in seconds.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated browser origins allowed for HTTP and WebSocket.",
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="Login attempts for one email from one address before they are refused.",
    )
    login_lockout_seconds: int = Field(
        default=900, ge=1, description="The window of the login limits, in seconds."
    )
    login_failure_delay: float = Field(
        default=0.25,
        ge=0,
        description="Base delay in seconds of a failed login; it doubles with each failure.",
    )
    max_query_depth: int = Field(default=12, ge=2, description="Deepest allowed query.")
    max_aliases: int = Field(default=30, ge=1, description="Most aliases in one operation.")
    max_tokens: int = Field(default=5000, ge=100, description="Most tokens in one document.")
    log_level: str = Field(default="INFO", description="Log level of the service.")
    import_max_mb: int = Field(
        default=50, ge=1, description="Largest file a contact import accepts, in megabytes."
    )
    export_retention_hours: int = Field(
        default=24, ge=1, description="How long a finished export's file is kept, in hours."
    )

    import_reader_memory_mb: int = Field(
        default=2048,
        ge=128,
        description="Memory (address space) of the child process reading an imported file, in "
        "megabytes; a file needing more is refused.",
    )
    import_reader_cpu_seconds: int = Field(
        default=300,
        ge=1,
        description="Processor time of the child process reading an imported file, in seconds.",
    )
    import_reader_timeout_seconds: float = Field(
        default=300,
        gt=0,
        description="Longest wait for the reader of an imported file to answer (its header, "
        "then each row), in seconds; past it the reader is killed.",
    )

    outbound_allow_http: bool = Field(
        default=False,
        description="Let URLs an admin stores for a CRM (vendor APIs, Zammad's CTI endpoint) be "
        "http, not only https.",
    )
    outbound_allow_private: bool = Field(
        default=False,
        description="Let those URLs reach loopback, private, link-local and other non-public "
        "addresses (on-premises vendors, tests).",
    )

    login_max_failures_per_address: int = Field(
        default=100,
        ge=1,
        description="Failed logins from one client address, any emails, before it is refused.",
    )
    login_max_failures_per_email: int = Field(
        default=20,
        ge=1,
        description="Failed logins for one email from all addresses before new addresses are "
        "refused (addresses it logged in from before are not).",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-For is read.",
    )

    max_request_bytes: int = Field(
        default=1 << 20,
        ge=1024,
        description="Largest body of a request (GraphQL, telephony events), in bytes; uploads "
        "have their own limit (CRM_IMPORT_MAX_MB).",
    )

    request_read_timeout_ms: int = Field(
        default=5000,
        ge=1,
        description="Database time of a query request, in milliseconds: every read it sends "
        "carries the time left as maxTimeMS; past it the request answers TIMEOUT.",
    )
    max_query_cost: int = Field(
        default=25_000,
        ge=1,
        description="Highest cost of one operation (page sizes times what each item selects; "
        "totalCount counts as a list scan); above it the request answers BAD_REQUEST.",
    )

    database_wait_seconds: float = Field(
        default=1.0,
        gt=0,
        le=30,
        description="How long a request waits for an unreachable database before it is answered "
        "SERVICE_UNAVAILABLE (pymongo's server selection), in seconds.",
    )
    database_lost_exit_seconds: float = Field(
        default=60,
        gt=0,
        description="How long a service on the embedded database tries to get it back (start it "
        "again, or find the one another process started) before it exits, in seconds.",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value
