"""Tests of the redis stand-in."""
