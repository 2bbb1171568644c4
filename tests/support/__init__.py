"""Helpers that several tests share (never imported from a test module)."""
