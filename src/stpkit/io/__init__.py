"""Readers and writers: plan files, results tables."""
