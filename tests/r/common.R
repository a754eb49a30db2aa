# Shared code of the R reference scripts (tests/r/*.R): paths, the chapters' derived columns, and the
# record list every script writes as JSON.
#
# Each script computes, with the R package that defines the method, every reference value the Python tests
# compare the helpers with, on the reference data sets (tests/data) and on the chapters' default data
# (data/synthetic). Output: tests/r/results/<family>.json, a flat list of records
#   {"family", "dataset", "quantity", "r_call", "value"}
# (value null where R gives NA). Regenerate all with `make r-reference` (Rscript tests/r/run_all.R [OUT_DIR]).

suppressPackageStartupMessages(library(jsonlite))

script_dir <- function() {
  file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(file) && nzchar(file[1])) dirname(normalizePath(file[1])) else normalizePath("tests/r")
}

if (!exists("R_DIR")) R_DIR <- script_dir()
REPO <- normalizePath(file.path(R_DIR, "..", ".."))
if (!exists("OUT_DIR")) {
  arguments <- commandArgs(TRUE)
  OUT_DIR <- if (length(arguments)) arguments[1] else file.path(R_DIR, "results")
}
dir.create(OUT_DIR, showWarnings = FALSE, recursive = TRUE)

reference_csv <- function(name, ...) read.csv(file.path(REPO, "tests", "data", name), ...)
chapter_csv <- function(name, ...) read.csv(file.path(REPO, "data", "synthetic", name), ...)

# ------------------------------------------------------------------------------------------- records
new_records <- function(family) {
  env <- new.env()
  env$family <- family
  env$rows <- list()
  env
}

# One record per value; a vector of values gives one record per element, quantity "name[element name]".
add <- function(records, dataset, quantity, r_call, value) {
  value <- unlist(value)
  labels <- if (length(value) > 1 || !is.null(names(value))) paste0(quantity, "[", names(value), "]") else quantity
  if (length(value) > 1 && is.null(names(value))) stop("name the elements of ", quantity)
  for (i in seq_along(value)) {
    number <- unname(value[i])
    records$rows[[length(records$rows) + 1]] <- list(
      family = records$family, dataset = dataset, quantity = labels[i], r_call = r_call,
      value = if (is.na(number)) NULL else as.numeric(number))
  }
  invisible(records)
}

write_records <- function(records, name = tolower(records$family)) {
  path <- file.path(OUT_DIR, paste0(name, ".json"))
  rows <- lapply(records$rows, function(r) { if (is.null(r$value)) r$value <- NA; r })
  writeLines(toJSON(rows, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), path)
  message(sprintf("%s: %d records -> %s", records$family, length(rows), path))
}

write_auxiliary <- function(object, name) {
  path <- file.path(OUT_DIR, paste0(name, ".json"))
  writeLines(toJSON(object, auto_unbox = TRUE, digits = NA, pretty = FALSE), path)
  message(sprintf("auxiliary %s -> %s", name, path))
}

# ------------------------------------------------------------------------- the chapters' derived data
# dti-ivim: recovery rate of the mJOA (maximum 18), good recovery = rate >= 50 %; patients with mJOA 18
# before surgery excluded (helpers.stats.outcomes.recovery_rate, helpers.chapters.dti_ivim).
dti_ivim_cohort <- function() {
  d <- chapter_csv("dti_ivim.csv")
  d$recovery_rate <- ifelse(d$mjoa_pre == 18, NA, (d$mjoa_post - d$mjoa_pre) / (18 - d$mjoa_pre) * 100)
  d <- d[!is.na(d$recovery_rate), ]
  d$good_recovery <- as.integer(d$recovery_rate >= 50)
  d$fa_x100 <- 100 * d$fa
  d
}

# mscc-separation: group (separated first), Bilsky 3 indicator, landmark cohort at 0.7 months (the
# chapter's default landmark_months): patients with follow-up at or before the landmark are excluded.
mscc_cohort <- function(landmark = 0.7) {
  d <- chapter_csv("mscc_separation.csv", colClasses = c(bilsky_grade = "character"))
  d$group <- factor(ifelse(d$separated == 1, "separated", "non_separated"),
                    levels = c("separated", "non_separated"))
  d$bilsky_3 <- as.integer(d$bilsky_grade == "3")
  d[d$survival_months > landmark, ]
}

# paraspinal-imf: long data; IMF group of a muscle (column group_<muscle>) "severe" when IMF >= 50 %, the
# reference level; visit_month a factor (visit_years keeps the time in years); sorted by patient and visit.
paraspinal_cohort <- function(muscle = "multifidus_right", cutoff = 50) {
  d <- chapter_csv("paraspinal_imf.csv")
  d <- d[order(d$patient_id, d$visit_month), ]
  d[[paste0("group_", muscle)]] <- factor(ifelse(d[[paste0("imf_", muscle)]] >= cutoff, "severe", "non-severe"),
                                          levels = c("severe", "non-severe"))
  d$visit_years <- d$visit_month / 12
  d$visit_month <- factor(d$visit_month)
  d$sex <- factor(d$sex)
  d
}

# dynamic-mri: 0/1 indicator of dynamic MRI; recovery rate of the mJOA at 6 months.
dynamic_cohort <- function() {
  d <- chapter_csv("dynamic_mri.csv")
  d$dynamic <- as.integer(d$imaging == "dynamic")
  d$sex <- factor(d$sex)
  d
}

# Iterative fits are run to full convergence, so that R's value is the optimum and not R's default stopping
# point (glm's default epsilon 1e-8 leaves its SEs ~1e-5 from the optimum's; lme4's default nloptwrap
# tolerances leave variance parameters ~1e-5 away). The R calls in the records say so.
GLM_CONTROL <- glm.control(epsilon = 1e-14, maxit = 100)
LMER_CONTROL <- function() lme4::lmerControl(optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14, xtol_rel = 1e-12,
                                                           ftol_rel = 1e-14, maxeval = 1e5))
COXPH_CONTROL <- function() survival::coxph.control(eps = 1e-11, iter.max = 100)
GEESE_CONTROL <- function() geepack::geese.control(epsilon = 1e-12, maxit = 100)

package_call <- function(package) sprintf("%s %s", package, as.character(packageVersion(package)))
