# Regenerate every R reference file: Rscript tests/r/run_all.R [OUT_DIR]   (make r-reference)
# Default OUT_DIR: tests/r/results (the committed copies). tests/test_r_parity.py runs this into a
# temporary folder and checks that live R gives the committed values.
R_DIR <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
arguments <- commandArgs(TRUE)
OUT_DIR <- if (length(arguments)) arguments[1] else file.path(R_DIR, "results")
FAMILIES <- c("proc", "survival", "lme4", "geepack", "glm", "rms", "matching")
for (family in FAMILIES) {
  local({
    R_DIR <- R_DIR
    OUT_DIR <- OUT_DIR
    source(file.path(R_DIR, paste0(family, ".R")), local = TRUE)
  })
}
