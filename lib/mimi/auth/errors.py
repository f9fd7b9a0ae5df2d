"""The auth domain's errors: who the caller is (app tokens, refresh tokens, LINE ID tokens) and whether they may act."""

from __future__ import annotations

from mimi.errors import ServiceUnavailable, Unauthorized


class AuthRequired(Unauthorized):
    """No `Authorization: Bearer` header."""

    code = "auth_required"


class TokenInvalid(Unauthorized):
    code = "token_invalid"


class TokenExpired(Unauthorized):
    code = "token_expired"


class NotAuthenticated(Unauthorized):
    """A user function reached SQL without a user (auth.uid() is null)."""

    code = "not_authenticated"


class AccountDeleted(Unauthorized):
    code = "account_deleted"


class RefreshTokenInvalid(Unauthorized):
    code = "refresh_token_invalid"


class RefreshTokenExpired(Unauthorized):
    code = "refresh_token_expired"


class RefreshTokenReused(Unauthorized):
    """A refresh token used again after its reuse interval: the whole session ends."""

    code = "refresh_token_reused"


class LineTokenInvalid(Unauthorized):
    code = "line_token_invalid"


class LineTokenExpired(Unauthorized):
    code = "line_token_expired"


class LineTokenWrongAudience(Unauthorized):
    code = "line_token_wrong_audience"


class LineTokenWrongIssuer(Unauthorized):
    code = "line_token_wrong_issuer"


class LineTokenUnknownKey(Unauthorized):
    code = "line_token_unknown_key"


class LineKeysUnavailable(ServiceUnavailable):
    code = "line_keys_unavailable"
