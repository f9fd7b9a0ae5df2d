"""Identity: LINE login, app access tokens, refresh tokens, the current-user dependency."""
