"""Exposure mutants (issue 25): what anon sees of a shared reading, what a user is shown of their own ledger (0043),
privileges per column, definers' search_path, and what an erased user row keeps."""

from __future__ import annotations

from tests.mutation.rules import append, sql

SHARES = "tests/sql/test_shares.py::"
OWN_DATA = "tests/sql/test_own_data.py::"
COLUMNS = "tests/sql/test_column_privileges.py::"
ERASED = "tests/sql/test_privacy.py::test_delete_erases_the_person_and_keeps_the_books"

# --- the public view of a shared reading, as anon -----------------------------------------------------------------
VIEW = "sharing.reading_by_token"
LAST_FIELD = "'question', case when s.include_question then r.question end)"
sql(
    "share-view-names-the-owner",
    VIEW,
    (LAST_FIELD, LAST_FIELD[:-1] + ", 'owner', u.display_name)"),
    "the public view tells anyone with the link the owner's LINE name (the API's model hid it, the rpc did not)",
    SHARES + "test_the_public_view_as_anon_holds_nothing_about_the_owner",
    "tests/functions/test_sharing.py::test_the_public_view_at_postgrest_as_anon_holds_nothing_about_the_owner",
)
sql(
    "share-view-gives-the-owners-ids",
    VIEW,
    (LAST_FIELD, LAST_FIELD[:-1] + ", 'user_id', r.user_id, 'line_user_id', u.line_user_id)"),
    "the public view hands out the owner's user id and LINE user id",
    SHARES + "test_the_public_view_as_anon_holds_nothing_about_the_owner",
)
sql(
    "share-view-opens-revoked-links",
    VIEW,
    (" and s.revoked_at is null", ""),
    "a revoked link still opens the reading",
    SHARES + "test_a_revoked_link_opens_nothing",
)

# --- a user's own ledger, as exported and as /profile/transactions shows it ----------------------------------------
SHOWN = "private.shown_ledger_row"
sql(
    "export-names-the-invitees",
    SHOWN,
    ("      when l.reason = 'referral_reward' then 'invitee'\n", ""),
    "an inviter's export lists each invitee's user id (the reward rows' ref)",
    OWN_DATA + "test_an_inviters_export_names_none_of_the_invitees_nor_the_admin",
)
sql(
    "export-keys-name-the-invitees",
    SHOWN,
    ("when l.reason = 'referral_reward' then regexp_replace(", "when false then regexp_replace("),
    "an inviter's export lists each invitee's user id in the reward rows' idempotency keys",
    OWN_DATA + "test_an_inviters_export_names_none_of_the_invitees_nor_the_admin",
)
sql(
    "export-names-the-inviter",
    SHOWN,
    ("      when l.reason = 'referral_bonus' then 'inviter'\n", ""),
    "an invitee's export names the inviter's user id",
    OWN_DATA + "test_an_invitees_export_does_not_name_the_inviter",
)
sql(
    "transactions-name-the-admin",
    "public.my_ledger",
    (
        "private.shown_ledger_row(l) - 'idempotency_key' as j",
        "to_jsonb(l) - 'user_id' - 'idempotency_key' as j",
    ),
    "/profile/transactions shows an adjustment's ref as admin:<the admin's id>",
    OWN_DATA + "test_the_ledger_view_shows_admin_and_invitee_never_whose_id",
    "tests/functions/test_profile.py::test_transactions_show_that_an_admin_adjusted_never_which_admin",
)
sql(
    "transactions-of-every-user",
    "public.my_ledger",
    ("where l.user_id = uid and ", "where "),
    "/profile/transactions lists every user's ledger rows",
    OWN_DATA + "test_the_ledger_view_pages_newest_first_and_shows_only_the_callers_rows",
)

# --- privileges per column, and the definers' search_path -----------------------------------------------------------
append(
    "privilege-ledger-ref-for-users",
    "public.ledger",
    "grant select (ref, idempotency_key) on table public.ledger to authenticated;",
    "a later migration lets a user's token read the stored refs (which admin, which invitee) directly",
    OWN_DATA + "test_a_users_token_cannot_read_a_ledger_rows_ref_or_key_directly",
    COLUMNS + "test_api_roles_read_exactly_these_columns",
)
append(
    "privilege-spreads-price-column-for-users",
    "public.spreads",
    "grant update (price, active) on table public.spreads to authenticated;",
    "a column grant lets any user set a spread's price (a table-level check does not see it)",
    COLUMNS + "test_no_api_role_may_write_or_reference_any_column",
)
append(
    "privilege-users-name-column-for-anon",
    "public.users",
    "grant select (id, display_name) on table public.users to anon;",
    "a column grant lets anyone with the anon key select users' names (RLS is the only wall left)",
    COLUMNS + "test_api_roles_read_exactly_these_columns",
)
SEARCH_PATH = COLUMNS + "test_every_security_definer_function_sets_an_empty_search_path"
sql(
    "definer-without-search-path",
    "public.claim_line_push",
    ("security definer\nset search_path = ''\n", "security definer\n"),
    "a SECURITY DEFINER function resolves names through the caller's search_path",
    SEARCH_PATH,
)
sql(
    "definer-search-path-public",
    VIEW,
    ("set search_path = ''", "set search_path = public"),
    "the shared-reading definer anon reaches searches public, where an object can shadow a built-in",
    SEARCH_PATH,
)
append(
    "definer-search-path-reset-later",
    "public.admin_check",
    "alter function public.admin_check() reset search_path;",
    "a later migration resets a definer's search_path",
    SEARCH_PATH,
)

# --- the erased user row: its id, its times and the defaults ---------------------------------------------------------
for name, column, bug in (
    ("erasure-keeps-the-language", "language", "an erased row keeps the person's language"),
    (
        "erasure-keeps-the-reversals-choice",
        "reversals",
        "an erased row keeps the person's reversals choice",
    ),
    ("erasure-keeps-line-pushes-on", "notify_line", "an erased row keeps LINE pushes switched on"),
):
    sql(name, "private.erase_user", (f"{column} = default, ", ""), bug, ERASED)
