"""What the equivocal-mri source publishes: an overview of the imaging pathway with no accuracy figures.

The chapter's sensitivity, specificity and pre-test probability are illustrative parameters (stated as
such on the page), so there is no published number to reproduce and :data:`PUBLISHED` is empty.
"""

from __future__ import annotations

from helpers.chapters.common import PublishedValue

PUBLISHED: tuple[PublishedValue, ...] = ()
"""No published numbers: the source overview reports the pathway, not diagnostic accuracy."""
