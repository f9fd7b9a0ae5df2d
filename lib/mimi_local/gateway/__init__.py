"""PostgREST stand-in (Supabase's `/rest/v1`): JWT -> role + claims per transaction, `/rpc/<fn>` and simple selects."""

from mimi_local.gateway.app import Gateway, GatewayConfig, build_app

__all__ = ["Gateway", "GatewayConfig", "build_app"]
