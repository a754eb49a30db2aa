"""Chapter ``mscc-separation``: Separation surgery for metastatic cord compression: MRI-confirmed separation and survival."""

from helpers.chapters.common import Chapter

CHAPTER = Chapter(
    id="mscc-separation",
    title="Separation surgery for metastatic cord compression: MRI-confirmed separation and survival",
    data_file="mscc_separation.csv",
    seed_file="002_cd1b8612609c8072.txt",
    paper_n=59,
)
