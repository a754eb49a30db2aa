# rms reference values: Harrell's bootstrap validation of the dti-ivim chapter's logistic model
# (lrm(good_recovery ~ fa_x100 + f); validate(fit, B = 50)): corrected Dxy (AUC = Dxy / 2 + 0.5) and
# calibration slope, on the resamples rms itself draws (set.seed(20240601)); the resamples are written
# to rms_resamples.json so that the helper can be run on the same ones. The same resamples also give the
# calibration-in-the-large intercept's optimism (glm with offset), which is the helper's intercept row;
# rms::validate's "Intercept" (fitted with the slope free) is recorded too, as a different quantity.
# Compared with helpers.stats.prediction.bootstrap_validation in tests/test_r_parity.py.
if (!exists("R_DIR")) R_DIR <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
source(file.path(R_DIR, "common.R"))
suppressPackageStartupMessages(library(rms))

records <- new_records("rms")
version <- package_call("rms")
B <- 50
seed <- 20240601

dti <- dti_ivim_cohort()
n <- nrow(dti)
fit <- lrm(good_recovery ~ fa_x100 + f, data = dti, x = TRUE, y = TRUE)
set.seed(seed)
validation <- validate(fit, B = B)
set.seed(seed)
resamples <- replicate(B, sample(n, replace = TRUE))   # the draws predab.resample makes, in order

# The same optimism by hand on those resamples: it must equal validate(); it also gives the
# calibration-in-the-large intercept (logit P(y) = a + offset(lp)) of each refit on the original data.
X <- cbind(1, dti$fa_x100, dti$f)
y <- dti$good_recovery
somers_dxy <- function(lp, y) 2 * (mean(outer(lp[y == 1], lp[y == 0], ">") + 0.5 * outer(lp[y == 1], lp[y == 0], "==")) - 0.5)
by_hand <- t(apply(resamples, 2, function(rows) {
  b <- coef(glm.fit(X[rows, ], y[rows], family = binomial()))
  lp_train <- drop(X[rows, ] %*% b)
  lp_test <- drop(X %*% b)
  slope_test <- coef(glm.fit(cbind(1, lp_test), y, family = binomial()))[2]
  intercept_large <- coef(glm(y ~ 1, offset = lp_test, family = binomial()))[1]
  c(dxy = somers_dxy(lp_train, y[rows]) - somers_dxy(lp_test, y), slope = 1 - unname(slope_test),
    intercept_large = 0 - unname(intercept_large))
}))
stopifnot(abs(mean(by_hand[, "dxy"]) - validation["Dxy", "optimism"]) < 1e-10,
          abs(mean(by_hand[, "slope"]) - validation["Slope", "optimism"]) < 1e-6)  # lrm.fit's convergence: ~1e-8

call <- sprintf("fit <- lrm(good_recovery ~ fa_x100 + f, x = TRUE, y = TRUE); set.seed(%d); v <- validate(fit, B = %d)   # %s",
                seed, B, version)
apparent_auc <- validation["Dxy", "index.orig"] / 2 + 0.5
add(records, "dti-ivim", "auc_apparent", paste0(call, "; v[\"Dxy\", \"index.orig\"] / 2 + 0.5"), apparent_auc)
add(records, "dti-ivim", "auc_optimism", paste0(call, "; v[\"Dxy\", \"optimism\"] / 2"), validation["Dxy", "optimism"] / 2)
add(records, "dti-ivim", "auc_corrected", paste0(call, "; v[\"Dxy\", \"index.corrected\"] / 2 + 0.5"),
    validation["Dxy", "index.corrected"] / 2 + 0.5)
add(records, "dti-ivim", "calibration_slope_optimism", paste0(call, "; v[\"Slope\", \"optimism\"]"),
    validation["Slope", "optimism"])
add(records, "dti-ivim", "calibration_slope_corrected", paste0(call, "; v[\"Slope\", \"index.corrected\"]"),
    validation["Slope", "index.corrected"])
add(records, "dti-ivim", "calibration_in_the_large_optimism",
    paste0(call, "; on the same resamples: mean(0 - coef(glm(y ~ 1, offset = lp_test, binomial)))"),
    mean(by_hand[, "intercept_large"]))
add(records, "dti-ivim", "recalibration_intercept_corrected",
    paste0(call, "; v[\"Intercept\", \"index.corrected\"]"), validation["Intercept", "index.corrected"])
add(records, "dti-ivim", "resamples_used", paste0(call, "; attr(v, \"n\")   (resamples)"), validation["Dxy", "n"])

write_records(records, "rms")
write_auxiliary(list(seed = seed, B = B, n = n, rows = unname(lapply(seq_len(B), function(b) resamples[, b] - 1L))),
                "rms_resamples")
