"""LINE push messages about a user's readings (opt-in), over plain HTTP to the Messaging API."""
