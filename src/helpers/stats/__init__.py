"""Reusable statistics, one module per method family, one implementation per concept."""
