"""LINE stand-in: Login (JWKS, dev ID tokens) and the Messaging API push (pushes recorded for tests and console)."""

from mimi_local.line.app import build_app, dev_line_user_id, issue_id_token
from mimi_local.line.messaging import Messaging

__all__ = ["Messaging", "build_app", "dev_line_user_id", "issue_id_token"]
