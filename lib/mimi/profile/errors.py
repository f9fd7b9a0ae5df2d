"""The profile domain's errors: what the SQL refuses about a user's own account data."""

from __future__ import annotations

from mimi.errors import ValidationFailed


class InvalidDisplayName(ValidationFailed):
    code = "invalid_display_name"


class InvalidLanguage(ValidationFailed):
    """A language other than th or en (a profile's, or a reading's)."""

    code = "invalid_language"


class InvalidLegacyUser(ValidationFailed):
    """A user row from the old app that cannot be imported as it is."""

    code = "invalid_legacy_user"


class InvalidNotifyLine(ValidationFailed):
    """notify_line must be true or false."""

    code = "invalid_notify_line"
