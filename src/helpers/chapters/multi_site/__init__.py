"""Chapter ``multi-site``: a synthetic multi-centre cohort of separation surgery, analysed site by site and pooled."""

from helpers.chapters.common import Chapter

CHAPTER = Chapter(
    id="multi-site",
    title="Multi-centre studies: pooling separation-surgery survival across hospitals",
    data_file="multi_site.csv",
    seed_file="002_cd1b8612609c8072.txt",
    paper_n=577,
)
