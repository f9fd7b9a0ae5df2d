"""LINE Login stand-in: LINE's JWKS and a dev endpoint issuing ES256 ID tokens for dev users."""

from mimi_local.line.app import build_app, dev_line_user_id, issue_id_token

__all__ = ["build_app", "dev_line_user_id", "issue_id_token"]
