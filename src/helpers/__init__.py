"""Spine MRI Outcomes: the tested helpers behind the book's chapters.

Educational software: the chapters teach methods on synthetic data and give no clinical advice.
"""

__version__ = "0.1.0"
