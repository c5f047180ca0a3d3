"""The long-lived services of one process, built at start-up and handed to every request."""

from dataclasses import dataclass

from app.authenticator import Authenticator
from app.call_bus import CallBus
from app.crm_pushes import CrmPusher
from app.crypto import SecretBox
from app.db import Database
from app.import_jobs import JobRunner
from app.kept_reads import CRM_SOURCES, PRINCIPAL_SOURCES, ChangeFeed, KeptReads
from app.keys import fernet_key, jwt_secret
from app.login_throttle import LoginThrottle
from app.organization_phones import OrganizationPhones
from app.outbound import OutboundPolicy
from app.settings import Settings
from app.tokens import TokenService
from models.call_event import CallEvent


@dataclass
class Services:
    settings: Settings
    database: Database
    # Background jobs (imports, exports); their handlers are registered by app/server.py.
    jobs: JobRunner
    tokens: TokenService
    authenticator: Authenticator
    secrets: SecretBox
    login_throttle: LoginThrottle
    call_bus: CallBus
    # CRM documents by (company id, CRM id), kept while unchanged (app/kept_reads.py).
    crms: KeptReads
    # The phone keys of each company's organizations, for caller-ID matching.
    organization_phones: OrganizationPhones
    # Call events pushed to the external CRMs that ask for them (R10.3).
    crm_pushes: CrmPusher

    @classmethod
    def create(cls, settings: Settings) -> "Services":
        tokens = TokenService(jwt_secret(settings), settings.token_ttl)
        changes = ChangeFeed()
        secrets = SecretBox(fernet_key(settings))
        return cls(
            settings=settings,
            database=Database(settings),
            jobs=JobRunner(),
            tokens=tokens,
            authenticator=Authenticator(tokens, KeptReads(changes, PRINCIPAL_SOURCES)),
            secrets=secrets,
            login_throttle=LoginThrottle(settings),
            call_bus=CallBus(CallEvent.get_pymongo_collection),
            crms=KeptReads(changes, CRM_SOURCES),
            organization_phones=OrganizationPhones(changes),
            crm_pushes=CrmPusher(secrets, OutboundPolicy.of(settings)),
        )
