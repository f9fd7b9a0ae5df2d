"""The nightly reconciliation: missed Stripe successes, stuck readings and the ledger invariant, in one SQL call."""
