"""Credits: coin exchange, daily check-in, referrals (the SQL functions hold the rules and numbers)."""
