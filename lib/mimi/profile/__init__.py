"""Profile: the user's own profile, balances, level and ledger."""
