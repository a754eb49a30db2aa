"""Chapter ``equivocal-mri``: When cervical MRI is equivocal for myelopathy."""

from helpers.chapters.common import Chapter

CHAPTER = Chapter(
    id="equivocal-mri",
    title="When cervical MRI is equivocal for myelopathy",
    data_file="equivocal_mri.csv",
    seed_file="003_72dfbfb565217ad5.txt",
    paper_n=240,
)
