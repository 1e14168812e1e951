"""Helpers that start the real servers for the tests."""
