"""The credits domain's errors: wallets, the ledger, coin exchange, check-ins and referrals (raised by the SQL)."""

from __future__ import annotations

from mimi.errors import AppError, Conflict, Forbidden, NotFound, ValidationFailed


class WalletNotFound(NotFound):
    code = "wallet_not_found"


class AccountFrozen(Forbidden):
    """The wallet is frozen (an open payment dispute): nothing may be spent."""

    code = "account_frozen"


class LedgerAppendOnly(Forbidden):
    """Ledger rows are never updated or deleted."""

    code = "ledger_append_only"


class InsufficientCredits(Conflict):
    """Neither the free points nor the stars pay the price (or stars are negative after a refund clawback)."""

    code = "insufficient_credits"
    fields = {
        "price": {"type": "integer", "minimum": 1, "description": "What this costs, in credits."},
        "stars": {
            "type": "integer",
            "description": "The caller's stars now (below zero after a refund clawback: top up first).",
        },
        "free_points": {
            "type": "integer",
            "minimum": 0,
            "description": "The caller's free points now.",
        },
    }


class InvalidPrice(AppError):
    """A spend of less than one credit: a misconfigured price, never the client's fault (shown as database_error)."""

    status, code, title = 500, "invalid_price", "Internal error"


class InsufficientCoins(Conflict):
    code = "insufficient_coins"
    fields = {
        "coins_needed": {
            "type": "integer",
            "minimum": 1,
            "description": "The coins this exchange needs (the stars asked for times coins per star).",
        },
        "coins": {"type": "integer", "minimum": 0, "description": "The caller's coins now."},
    }


class InvalidAmount(ValidationFailed):
    code = "invalid_amount"


class InvalidChanges(ValidationFailed):
    """An admin grant whose currency changes are not a JSON object of non-zero integers."""

    code = "invalid_changes"


class AlreadyCheckedIn(Conflict):
    code = "already_checked_in"
    fields = {
        "next_check_in": {
            "type": "string",
            "format": "date",
            "description": "The Bangkok calendar day (YYYY-MM-DD) of the next check-in.",
        }
    }


class AlreadyReferred(Conflict):
    code = "already_referred"


class ReferralCodeUnknown(NotFound):
    code = "referral_code_unknown"


class SelfReferral(Conflict):
    code = "self_referral"
