"""Chapter ``paraspinal-imf``: Paraspinal fat and 5-year recovery after decompression for lumbar stenosis."""

from helpers.chapters.common import Chapter

CHAPTER = Chapter(
    id="paraspinal-imf",
    title="Paraspinal fat and 5-year recovery after decompression for lumbar stenosis",
    data_file="paraspinal_imf.csv",
    seed_file="004_697f0fdbcb95d937.txt",
    paper_n=149,
)
