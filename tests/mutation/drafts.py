"""Live readings mutants (0030, 0031 and the processor): what a draft may replace, who may hear and send on a
reading's topic, who may store drafts, attempts across deliveries, the `writing` status wherever refunds are
decided, and how often the processor writes."""

from __future__ import annotations

from tests.mutation.rules import append, py, sql, statement

SQL_DRAFTS = "tests/sql/test_reading_drafts.py::"
SQL_WRITING = "tests/sql/test_writing_status.py::"
SQL_TOPICS = "tests/sql/test_reading_topics.py::"
DRAFTS = "tests/functions/test_reading_drafts.py::"
LIVE = "tests/functions/test_reading_live.py::"
SAVE = "public.save_reading_draft"
TOPIC_POLICY = 'create policy "Users can receive their own readings as they are written"'

# --- who may hear, send and store ---------------------------------------------------------------------------------
statement(
    "draft-to-a-non-owner-topic-policy",
    TOPIC_POLICY,
    ("then exists (", "then (select auth.uid()) is not null or exists ("),
    "any signed-in user may join another user's reading topic and hear it being written",
    SQL_TOPICS + "test_only_the_owner_reads_a_readings_topic",
    LIVE + "test_the_owner_hears_the_drafts_then_the_completion_and_nobody_else_hears_anything",
)
sql(
    "draft-to-a-non-owner-topic-send",
    "private.broadcast_reading",
    ("'reading:' || r.id", "'reading:' || r.user_id"),
    "the steps go to a topic named by the user's id, not the reading's: its owner hears nothing",
    SQL_DRAFTS + "test_a_draft_moves_a_claimed_reading_to_writing_and_goes_to_its_private_topic",
    LIVE + "test_the_owner_hears_the_drafts_then_the_completion_and_nobody_else_hears_anything",
)
sql(
    "draft-broadcast-public",
    "private.broadcast_reading",
    ("'reading:' || r.id, true)", "'reading:' || r.id, false)"),
    "drafts are public broadcasts: anyone joining the topic without the policy hears them",
    SQL_DRAFTS + "test_a_draft_moves_a_claimed_reading_to_writing_and_goes_to_its_private_topic",
)
statement(
    "reading-topic-writable",
    'create policy "Nobody can send on a reading\'s topic"',
    ("with check (topic not like 'reading:%')", "with check (true)"),
    "a permissive INSERT policy for other topics lets users send fake drafts on a reading's topic",
    SQL_TOPICS
    + "test_nobody_may_send_on_a_readings_topic_even_where_another_policy_allows_sending",
)
append(
    "draft-function-callable-by-authenticated",
    SAVE,
    "grant execute on function public.save_reading_draft(uuid, integer, integer, jsonb) to authenticated;",
    "a later migration lets a user's token store (and broadcast) drafts of any reading",
    SQL_DRAFTS + "test_the_draft_function_is_the_service_roles_only[authenticated]",
    "tests/sql/test_privileges.py::test_api_roles_are_refused_what_was_revoked_from_them"
    "[user:save_reading_draft]",
)

# --- what a draft may replace and show ----------------------------------------------------------------------------
sql(
    "draft-replaces-a-longer-one",
    SAVE,
    (
        "(p_attempt = r.draft_attempt and p_received > r.draft_received)",
        "p_attempt = r.draft_attempt",
    ),
    "a late, shorter draft of the same attempt replaces a longer one: the text jumps back",
    SQL_DRAFTS + "test_a_draft_never_replaces_a_longer_one_of_the_same_attempt",
)
sql(
    "draft-of-an-older-attempt-accepted",
    SAVE,
    ("p_attempt > r.draft_attempt", "p_attempt <> r.draft_attempt"),
    "a draft of an older attempt replaces the newer attempt's text",
    SQL_DRAFTS + "test_a_newer_attempt_starts_over_and_an_older_one_is_dropped",
)
sql(
    "draft-of-a-finished-reading-accepted",
    SAVE,
    ("if r.status in ('processing', 'writing')", "if r.status <> 'queued'"),
    "a late draft overwrites a finished reading",
    SQL_DRAFTS + "test_a_finished_or_unclaimed_reading_takes_no_draft",
)
sql(
    "refusal-draft-shows-reading-text",
    "private.draft_json",
    ("\n        and p_draft -> 'accepted' = 'true'::jsonb", ""),
    "a draft of a refused (or undecided) question shows its partial reading text",
    SQL_DRAFTS
    + "test_a_draft_keeps_reading_text_only_once_accepted_and_a_rejection_only_once_refused",
    LIVE + "test_a_refusal_is_heard_as_the_rejection_alone_with_no_reading_text",
)
sql(
    "new-delivery-restarts-attempts",
    "public.claim_reading",
    ("greatest(draft_attempt, attempts * 100)", "0"),
    "QStash's redelivery numbers its attempts from 1 again: its drafts are refused as shorter than the dead one's",
    SQL_DRAFTS + "test_a_new_delivery_numbers_its_attempts_above_every_attempt_of_the_last",
    DRAFTS + "test_a_processor_killed_mid_stream_is_finished_by_qstashs_next_delivery_once",
)

# --- the writing status wherever a refund is decided ---------------------------------------------------------------
sql(
    "second-refund-on-a-cut-stream",
    "public.fail_reading",
    (
        "if r.status in ('completed', 'rejected', 'failed') then",
        "if r.status in ('completed', 'rejected') then",
    ),
    "QStash's failure callback for a cut stream, delivered again, runs the refund path again (the ledger key "
    "keeps the credit; the reading is ended and broadcast twice)",
    DRAFTS + "test_every_provider_failing_on_every_delivery_ends_in_one_refund",
)
sql(
    "complete-refuses-a-writing-reading",
    "public.complete_reading(p_id uuid, p_result",
    ("elsif r.status not in ('processing', 'writing') then", "elsif r.status <> 'processing' then"),
    "a reading with a stored draft can never complete: every delivery ends in 409, then a refund",
    DRAFTS + "test_a_broken_stream_falls_back_as_a_new_attempt_and_completes_once[cut]",
)
sql(
    "deletion-skips-a-writing-reading",
    "private.end_readings_in_flight",
    ("status in ('queued', 'processing', 'writing')", "status in ('queued', 'processing')"),
    "a reading being written when the account is deleted is erased without its refund",
    SQL_WRITING + "test_deleting_the_account_while_a_reading_is_written_refunds_it_once",
)
sql(
    "nightly-repair-skips-writing",
    "private.fail_stuck_readings",
    ("status in ('processing', 'writing')", "status = 'processing'"),
    "a reading whose processor died while writing is never failed nor refunded",
    SQL_WRITING + "test_the_nightly_repair_fails_a_reading_stuck_writing_and_refunds_it_once",
)

# --- the processor ----------------------------------------------------------------------------------------------
py(
    "draft-throttle-writes-every-draft",
    "lib/mimi/readings/drafts.py:Throttle.due",
    ("return draft.attempt != attempt or (", "return True or ("),
    "every token's draft is written: ~70 writes and broadcasts a second per reading",
    "tests/readings/test_drafts.py::test_a_reading_written_at_70_tokens_a_second_is_stored_at_most_4_times_in_any_second",
)
py(
    "deadline-not-taken-from-lambda",
    "lib/mimi/readings/processor.py:_write",
    ("deadline=None if deadline is None else deadline - FINAL_RESERVE_S,", "deadline=None,"),
    "the model may write past the Lambda's end: the final store never happens",
    DRAFTS + "test_the_processor_takes_its_deadline_from_the_lambda_context",
)
sql(
    "admin-refund-leaves-a-writing-reading-running",
    "public.admin_refund_reading",
    (
        "if r.status in ('queued', 'processing', 'writing') then",
        "if r.status in ('queued', 'processing') then",
    ),
    "an admin refund of a reading being written gives the credit back but lets it complete anyway",
    SQL_WRITING + "test_an_admin_sees_a_silent_writing_reading_as_stuck_and_refunds_it_once",
)
sql(
    "admin-stuck-list-misses-writing",
    "public.admin_readings",
    (
        "when 'stuck' then status in ('queued', 'processing', 'writing')",
        "when 'stuck' then status in ('queued', 'processing')",
    ),
    "a reading whose model went silent part way never shows on the admin's stuck list",
    SQL_WRITING + "test_an_admin_sees_a_silent_writing_reading_as_stuck_and_refunds_it_once",
)
