"""Presentation: tables and figures that compute nothing; each figure takes ``ax=None``."""
