# lme4 reference values: linear mixed models by REML and ML (fixed effects, their SEs, variance
# components, REML criterion / log-likelihood, theta) on lme4's sleepstudy and on the paraspinal-imf
# chapter's long data (the chapter's model of disability, right multifidus). Compared with
# helpers.stats.mixed_models / helpers.stats.longitudinal in tests/test_r_parity.py.
if (!exists("R_DIR")) R_DIR <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
source(file.path(R_DIR, "common.R"))
suppressPackageStartupMessages(library(lme4))

records <- new_records("lme4")
version <- package_call("lme4")

describe_lmer <- function(dataset, label, fit, call) {
  call <- paste0(call, "   # ", version, "; control = lmerControl(optCtrl = list(xtol_abs = 1e-12, ",
                 "ftol_abs = 1e-14, xtol_rel = 1e-12, ftol_rel = 1e-14))")
  fixed <- fixef(fit)
  add(records, dataset, paste0(label, ": fixef"), paste0(call, "; fixef(fit)"), fixed)
  add(records, dataset, paste0(label, ": se"), paste0(call, "; sqrt(diag(vcov(fit)))"),
      setNames(sqrt(diag(as.matrix(vcov(fit)))), names(fixed)))
  components <- as.data.frame(VarCorr(fit))
  sds <- components[is.na(components$var2), ]
  add(records, dataset, paste0(label, ": sd"), paste0(call, "; as.data.frame(VarCorr(fit))$sdcor"),
      setNames(sds$sdcor, ifelse(sds$grp == "Residual", "Residual", sds$var1)))
  correlations <- components[!is.na(components$var2), ]
  if (nrow(correlations)) {
    add(records, dataset, paste0(label, ": correlation"), paste0(call, "; attr(VarCorr(fit)[[1]], \"correlation\")"),
        setNames(correlations$sdcor, paste(correlations$var1, correlations$var2, sep = ":")))
  }
  if (isREML(fit)) add(records, dataset, paste0(label, ": REMLcrit"), paste0(call, "; REMLcrit(fit)"), REMLcrit(fit))
  add(records, dataset, paste0(label, ": logLik"), paste0(call, "; logLik(fit)"), as.numeric(logLik(fit)))
  theta <- getME(fit, "theta")
  add(records, dataset, paste0(label, ": theta"), paste0(call, "; getME(fit, \"theta\")"),
      setNames(theta, paste0("theta", seq_along(theta))))
}

# ------------------------------------------------------------------------------- sleepstudy (lme4)
sleep <- reference_csv("sleepstudy.csv")
sleep$Subject <- factor(sleep$Subject)
describe_lmer("sleepstudy", "(Days | Subject) REML", lmer(Reaction ~ Days + (Days | Subject), sleep, control = LMER_CONTROL()),
              "fit <- lmer(Reaction ~ Days + (Days | Subject), sleepstudy)")
describe_lmer("sleepstudy", "(Days | Subject) ML", lmer(Reaction ~ Days + (Days | Subject), sleep, REML = FALSE, control = LMER_CONTROL()),
              "fit <- lmer(Reaction ~ Days + (Days | Subject), sleepstudy, REML = FALSE)")
describe_lmer("sleepstudy", "(1 | Subject) REML", lmer(Reaction ~ Days + (1 | Subject), sleep, control = LMER_CONTROL()),
              "fit <- lmer(Reaction ~ Days + (1 | Subject), sleepstudy)")
describe_lmer("sleepstudy", "(1 | Subject) ML", lmer(Reaction ~ Days + (1 | Subject), sleep, REML = FALSE, control = LMER_CONTROL()),
              "fit <- lmer(Reaction ~ Days + (1 | Subject), sleepstudy, REML = FALSE)")

# ------------------------------------------------------------------------- paraspinal-imf chapter data
# The chapter's model of each continuous outcome for the right multifidus (its headline muscle): visit x
# IMF group (reference: severe) + age + sex + BMI, random intercept per patient (the random slope the
# chapter tries on this muscle is singular and dropped), REML; rows with the outcome missing dropped.
# The joint Wald test of the visit x group terms uses lme4's vcov (chi-squared on their number of df).
para <- paraspinal_cohort("multifidus_right")
for (outcome in c("disability", "leg_pain", "back_pain")) {
  rows <- para[!is.na(para[[outcome]]), ]
  formula <- as.formula(sprintf("%s ~ visit_month * group_multifidus_right + age + sex + bmi + (1 | patient_id)", outcome))
  fit <- lmer(formula, rows, control = LMER_CONTROL())
  call <- sprintf("fit <- lmer(%s ~ factor(visit_month) * group_multifidus_right + age + sex + bmi + (1 | patient_id), data)", outcome)
  describe_lmer("paraspinal-imf", paste0(outcome, " REML"), fit, call)
  terms <- grep(":", names(fixef(fit)), value = TRUE)
  b <- fixef(fit)[terms]
  statistic <- as.numeric(t(b) %*% solve(as.matrix(vcov(fit))[terms, terms], b))
  wald <- paste0(call, "; b <- fixef(fit)[interaction terms]; t(b) %*% solve(vcov(fit)[terms, terms], b)")
  add(records, "paraspinal-imf", paste0(outcome, " REML: interaction_wald_chisq"), wald, statistic)
  add(records, "paraspinal-imf", paste0(outcome, " REML: interaction_wald_p"),
      paste0("pchisq(statistic, ", length(terms), ", lower.tail = FALSE)"),
      pchisq(statistic, length(terms), lower.tail = FALSE))
}
slope_fit <- suppressMessages(lmer(disability ~ visit_month * group_multifidus_right + age + sex + bmi + (visit_years | patient_id),
                                   para[!is.na(para$disability), ], control = LMER_CONTROL()))
add(records, "paraspinal-imf", "disability, random slope REML: REMLcrit",
    "lmer(disability ~ factor(visit_month) * group_multifidus_right + age + sex + bmi + (visit_years | patient_id), data); REMLcrit(fit)   (singular)",
    REMLcrit(slope_fit))

write_records(records, "lme4")
