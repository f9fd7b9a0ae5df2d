"""Tests of the stripe stand-in."""
