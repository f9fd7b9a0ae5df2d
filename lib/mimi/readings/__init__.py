"""Tarot readings: the card deck and drawing cards."""
