"""Organisations, users and API tokens."""
