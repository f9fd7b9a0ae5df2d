"""Tests of the gateway stand-in."""
