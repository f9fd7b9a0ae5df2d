"""Tests of the LINE stand-in."""
