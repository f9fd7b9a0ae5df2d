"""Versioned system prompt templates for the reading agent (data files, read with importlib.resources)."""
