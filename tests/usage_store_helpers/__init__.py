"""Subprocess workers and a TCP relay for the usage store's tests."""
