"""Bundled sample reports: the default corpus."""
