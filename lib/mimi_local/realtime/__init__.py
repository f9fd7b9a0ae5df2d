"""Supabase Realtime stand-in (`/realtime/v1/websocket`): the Phoenix channel protocol the official clients speak,
private channels authorised by the RLS policies on realtime.messages, broadcasts from realtime.send."""

from mimi_local.realtime.server import Realtime, RealtimeConfig, build_app

__all__ = ["Realtime", "RealtimeConfig", "build_app"]
