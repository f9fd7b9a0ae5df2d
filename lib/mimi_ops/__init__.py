"""What runs against a real environment or builds for it (deploy checks, Supabase keys, QStash schedules, smoke).

Never packaged into a function; imports `mimi` only, never `mimi_local`.
"""
