"""The whole local stack: one server for the stand-ins and every function on one port, with its Postgres and Redis."""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount

from mimi.migrations import migrate
from mimi_local import console, keys, openai, secrets_extension, stripe
from mimi_local.gateway import GatewayConfig
from mimi_local.gateway import build_app as gateway_app
from mimi_local.keys import public_jwk
from mimi_local.lambda_adapter import FunctionApp, function_names
from mimi_local.line import build_app as line_app
from mimi_local.pg import PgCluster, free_port
from mimi_local.qstash import QStashConfig
from mimi_local.qstash import build_app as qstash_app
from mimi_local.qstash.persist import restore_pending, save_pending
from mimi_local.realtime import RealtimeConfig
from mimi_local.realtime import build_app as realtime_app
from mimi_local.redis.rest import upstash_routes
from mimi_local.redis.server import RedisBackend
from mimi_local.serve import ThreadedServer

ROOT_DIR = Path(__file__).resolve().parents[2]

# (label, prefix) of every stand-in the dev server mounts
STAND_INS = [
    ("postgrest", "/rest/v1"),
    ("realtime", "/realtime/v1"),
    ("upstash redis", "/upstash/redis"),
    ("qstash", "/qstash"),
    ("line (login, push)", "/line"),
    ("openai", "/openai/v1"),
    ("stripe", "/stripe"),
    ("secrets extension (Parameter Store)", "/systemsmanager/parameters/get"),
]
SECRETS_PATH = "/mimivibes/local"


class FunctionMount(Mount):
    """A function URL's prefix: everything below it reaches the function, a path with an encoded newline too.

    Starlette's Mount matches the rest of the path with `.*`, which stops at a newline (%0A), so the dev server
    answered such a path itself with a plain-text 404; a function URL hands every path to the function.
    """

    def __init__(self, path: str, app: Any) -> None:
        super().__init__(path, app=app)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)


@dataclass
class LocalStack:
    data_dir: Path
    port: int = 8000
    host: str = "127.0.0.1"
    qstash_backoff_scale: float = 1.0
    extra_env: dict[str, str] = field(default_factory=dict)
    channel_id: str = "1656000000"
    persist: bool = False
    openai_pace: openai.Pace = field(default_factory=lambda: openai.Pace())  # instant unless asked

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o755)
        self.secrets = keys.load_or_create(self.data_dir / "secrets.json")
        self.pg = PgCluster(self.data_dir / "postgres", port=self._pg_port())
        self.functions: dict[str, FunctionApp] = {}
        self.state: dict[str, Any] = {}
        self._server: ThreadedServer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _pg_port(self) -> int:
        """Keep the Postgres port across restarts of the same data dir."""
        path = self.data_dir / "pg_port"
        if path.exists():
            return int(path.read_text())
        port = free_port()
        path.write_text(str(port))
        return port

    def env(self) -> dict[str, str]:
        """The environment a function (or a client) needs to talk to this stack."""
        s, u = self.secrets, self.url
        providers = [
            {
                "name": "local",
                "base_url": f"{u}/openai/v1",
                "api_key": s["openai_api_key"],
                "model": "gpt-4o-mini",
                "timeout_s": 20,
                "max_tokens": 1600,
            }
        ]
        env = {
            "STAGE": "local",
            "CORS_ORIGINS": json.dumps([u]),
            "SUPABASE_URL": u,
            "SUPABASE_ANON_KEY": s["anon_key"],
            "SUPABASE_SERVICE_ROLE_KEY": s["service_role_key"],
            "UPSTASH_REDIS_REST_URL": f"{u}/upstash/redis",
            "UPSTASH_REDIS_REST_TOKEN": s["redis_token"],
            "UPSTASH_REDIS_REST_READONLY_TOKEN": s["redis_readonly_token"],
            "QSTASH_URL": f"{u}/qstash",
            "QSTASH_TOKEN": s["qstash_token"],
            "QSTASH_CURRENT_SIGNING_KEY": s["qstash_current_signing_key"],
            "QSTASH_NEXT_SIGNING_KEY": s["qstash_next_signing_key"],
            "READING_PROCESSOR_URL": f"{u}/functions/reading_processor/",
            "RECONCILE_URL": f"{u}/functions/reconcile/",
            "LINE_JWKS_URL": f"{u}/line/oauth2/v2.1/certs",
            "LINE_CHANNEL_ID": self.channel_id,
            "LINE_MESSAGING_API_URL": f"{u}/line",
            "LINE_CHANNEL_ACCESS_TOKEN": s["line_channel_access_token"],
            "APP_JWT_KEYS": json.dumps(s["app_jwt_keys"]),
            "REFRESH_TOKEN_SECRET": s["refresh_token_secret"],
            "APP_JWT_PUBLIC_KEYS": json.dumps([public_jwk(k) for k in s["app_jwt_keys"]]),
            "LLM_PROVIDERS": json.dumps(providers),
            "STRIPE_SECRET_KEY": s["stripe_secret_key"],
            "STRIPE_WEBHOOK_SECRET": s["stripe_webhook_secret"],
            "STRIPE_API_BASE": f"{u}/stripe",
        }
        return {**env, **self.extra_env}

    def apply_env(self) -> None:
        """Export the env into this process, where the functions read their settings."""
        os.environ.update(self.env())
        from mimi.config import get_settings

        get_settings.cache_clear()

    def _routes(self) -> list[BaseRoute]:
        s = self.secrets
        app_jwks = [public_jwk(k) for k in s["app_jwt_keys"]]
        gateway = gateway_app(
            GatewayConfig(
                dsn=self.pg.dsn(user="authenticator", password="authenticator"),
                jwt_secret=s["jwt_secret"],
                api_keys=frozenset({s["anon_key"], s["service_role_key"]}),
                jwks=app_jwks,
                jwt_aud="authenticated",
            )
        )
        qstash = qstash_app(
            QStashConfig(
                token=s["qstash_token"],
                current_signing_key=s["qstash_current_signing_key"],
                next_signing_key=s["qstash_next_signing_key"],
                backoff_scale=self.qstash_backoff_scale,
            )
        )
        self.state["qstash"] = qstash
        self.state["gateway"] = gateway
        routes: list[BaseRoute] = [
            Mount("/rest/v1", app=gateway),
            Mount("/realtime/v1", app=self._realtime_app(app_jwks)),
            Mount("/qstash", app=qstash),
            *upstash_routes(
                "/upstash/redis", s["redis_token"], self.redis, s["redis_readonly_token"]
            ),
            Mount("/line", app=self._line_app()),
            Mount("/openai", app=self._openai_app()),
            Mount("/stripe", app=self._stripe_app()),
        ]
        limiter = anyio.CapacityLimiter(32)
        for name in function_names():
            self.functions[name] = FunctionApp(name, limiter=limiter)
            routes.append(FunctionMount(f"/functions/{name}", app=self.functions[name]))
        routes += secrets_extension.build_app(self.parameter_store())
        routes += console.routes(
            s["anon_key"]
        )  # the dev console page at / (plays the LIFF app's part)
        return routes

    def parameter_store(self) -> secrets_extension.ParameterStore:
        """Every secret setting of env(), as the SecureString parameters a deployed function reads them from."""
        from mimi.config import SECRET_SETTINGS

        env = self.env()
        parameters = {
            f"{SECRETS_PATH}/{name}": env[name.upper()] for name in sorted(SECRET_SETTINGS)
        }
        return secrets_extension.ParameterStore(self.secrets["aws_session_token"], parameters)

    def secrets_env(self, secrets: list[str]) -> dict[str, str]:
        """env() as a deployed function gets it: these secrets named in SECRETS, read through the extension."""
        env = {k: v for k, v in self.env().items() if k.lower() not in secrets}
        return {
            **env,
            "SECRETS": ",".join(secrets),
            "SECRETS_PATH": SECRETS_PATH,
            "AWS_SESSION_TOKEN": self.secrets["aws_session_token"],
            "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(self.port),
        }

    def _realtime_app(self, app_jwks: list[dict[str, Any]]) -> Starlette:
        """The Realtime stand-in: same database role, API keys and token keys as the gateway."""
        s = self.secrets
        app = realtime_app(
            RealtimeConfig(
                dsn=self.pg.dsn(user="authenticator", password="authenticator"),
                jwt_secret=s["jwt_secret"],
                api_keys=frozenset({s["anon_key"], s["service_role_key"]}),
                jwks=app_jwks,
                jwt_aud="authenticated",
            )
        )
        self.state["realtime"] = app
        return app

    def _line_app(self) -> Starlette:
        """LINE Login and Messaging with the stack's keys; the pushes it records are on state["line"]."""
        app = line_app(
            self.secrets["line_keys"], self.channel_id, self.secrets["line_channel_access_token"]
        )
        self.state["line"] = app.state.messaging
        return app

    def _openai_app(self) -> Starlette:
        """The OpenAI stand-in with the stack's key (providers use <stack url>/openai/v1)."""
        app = openai.build_app(self.secrets["openai_api_key"], self.openai_pace)
        self.state["openai"] = app.state.openai
        return app

    def _stripe_app(self) -> Starlette:
        """The Stripe stand-in with the stack's keys; its events go to this stack's stripe_webhook function."""
        stub = stripe.StripeStub(
            secret_key=self.secrets["stripe_secret_key"],
            webhook_secret=self.secrets["stripe_webhook_secret"],
            webhook_url=f"{self.url}/functions/stripe_webhook/",
        )
        self.state["stripe"] = stub
        return stripe.build_app(stub)

    def build_app(self) -> Starlette:
        routes = self._routes()
        return Starlette(routes=routes, lifespan=self._lifespan)

    @contextlib.asynccontextmanager
    async def _lifespan(self, _: Starlette) -> AsyncIterator[None]:
        """Mounted apps get no lifespan of their own: open and close theirs here, and keep QStash's queue."""
        gateway, realtime = self.state["gateway"], self.state["realtime"]
        dispatcher = self.state["qstash"].state.qstash
        pending = self.data_dir / "qstash-pending.json"
        async with (
            gateway.router.lifespan_context(gateway),
            realtime.router.lifespan_context(realtime),
        ):
            if self.persist:
                restore_pending(dispatcher, pending)
            yield
            if self.persist:
                save_pending(dispatcher, pending)
            await dispatcher.aclose()

    def start(self) -> None:
        """Start Postgres, migrate, start Redis, then serve everything on host:port."""
        self.pg.start()
        migrate(self.pg.dsn(), local=True)
        self.redis = RedisBackend(self.data_dir / "redis", persist=self.persist)
        self.redis.start()
        self.apply_env()
        self._server = ThreadedServer(
            self.build_app(), self.port, self.host, lifespan="on", timeout_keep_alive=30
        )
        self._server.start()

    def stop(self) -> None:
        """Stop what started, in reverse; safe after a start that failed part way (each part is tried)."""
        parts = [self._server, getattr(self, "redis", None), self.pg]
        errors = []
        for part in parts:
            try:
                if part is not None:
                    part.stop()
            except Exception as exc:  # noqa: BLE001 - the next part must still be stopped
                errors.append(exc)
        if errors:
            raise errors[0]
