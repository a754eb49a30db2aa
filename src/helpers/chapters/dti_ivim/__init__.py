"""Chapter ``dti-ivim``: DTI and IVIM metrics predicting recovery after surgery for cervical myelopathy."""

from helpers.chapters.common import Chapter

CHAPTER = Chapter(
    id="dti-ivim",
    title="DTI and IVIM metrics predicting recovery after surgery for cervical myelopathy",
    data_file="dti_ivim.csv",
    seed_file="001_f8fe33b130d86341.txt",
    paper_n=105,
)
