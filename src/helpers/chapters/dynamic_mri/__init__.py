"""Chapter ``dynamic-mri``: Dynamic vs conventional MRI planning: a propensity-score-matched comparison."""

from helpers.chapters.common import Chapter

CHAPTER = Chapter(
    id="dynamic-mri",
    title="Dynamic vs conventional MRI planning: a propensity-score-matched comparison",
    data_file="dynamic_mri.csv",
    seed_file="000_008614c663972395.txt",
    paper_n=300,
)
