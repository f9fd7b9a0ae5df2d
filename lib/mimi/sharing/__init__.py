"""Shared readings: revocable, unguessable links to a public minimal view, and a LINE Flex message to send them."""
