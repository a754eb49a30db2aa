"""Published numbers of the multi-site chapter: none.

There is no multi-centre paper behind this chapter. Its cohort is synthetic, built to teach two-stage pooling
(each hospital analyses its own patients and shares aggregates) beside the one-stage analysis of all patients;
agreement between the two shows that the method is consistent, not that any clinical finding replicates.
"""

from helpers.chapters.common import PublishedValue

PUBLISHED: tuple[PublishedValue, ...] = ()
