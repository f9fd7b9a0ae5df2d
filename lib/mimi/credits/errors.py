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
    code = "insufficient_credits"


class InvalidPrice(AppError):
    """A spend of less than one credit: a misconfigured price, never the client's fault (shown as database_error)."""

    status, code, title = 500, "invalid_price", "Internal error"


class InsufficientCoins(Conflict):
    code = "insufficient_coins"


class InvalidAmount(ValidationFailed):
    code = "invalid_amount"


class InvalidChanges(ValidationFailed):
    """An admin grant whose currency changes are not a JSON object of non-zero integers."""

    code = "invalid_changes"


class AlreadyCheckedIn(Conflict):
    code = "already_checked_in"


class AlreadyReferred(Conflict):
    code = "already_referred"


class ReferralCodeUnknown(NotFound):
    code = "referral_code_unknown"


class SelfReferral(Conflict):
    code = "self_referral"
