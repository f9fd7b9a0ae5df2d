"""Tests of the qstash stand-in."""
