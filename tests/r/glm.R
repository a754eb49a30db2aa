# glm (stats) reference values: binomial logistic regression (coefficients, SEs, Wald p, Wald CI of the
# odds ratio, predict(type = "response")), on MatchIt's lalonde (the propensity model), on pROC's aSAH,
# and on the chapters' data (dti-ivim's FA + f model, mscc-separation's model of separation).
# Compared with helpers.stats.logistic in tests/test_r_parity.py.
if (!exists("R_DIR")) R_DIR <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
source(file.path(R_DIR, "common.R"))

records <- new_records("glm")
version <- sprintf("R %s", getRversion())

describe_glm <- function(dataset, label, fit, call, predicted_rows = integer()) {
  call <- paste0(call, "   # ", version, "; control = glm.control(epsilon = 1e-14, maxit = 100)")
  table <- summary(fit)$coefficients
  z <- qnorm(0.975)
  add(records, dataset, paste0(label, ": coef"), paste0(call, "; coef(fit)"), setNames(table[, "Estimate"], rownames(table)))
  add(records, dataset, paste0(label, ": se"), paste0(call, "; summary(fit)$coefficients[, \"Std. Error\"]"),
      setNames(table[, "Std. Error"], rownames(table)))
  add(records, dataset, paste0(label, ": p"), paste0(call, "; summary(fit)$coefficients[, \"Pr(>|z|)\"]"),
      setNames(table[, "Pr(>|z|)"], rownames(table)))
  add(records, dataset, paste0(label, ": or_ci_low"), paste0(call, "; exp(confint.default(fit))[, 1]"),
      setNames(exp(table[, "Estimate"] - z * table[, "Std. Error"]), rownames(table)))
  add(records, dataset, paste0(label, ": or_ci_high"), paste0(call, "; exp(confint.default(fit))[, 2]"),
      setNames(exp(table[, "Estimate"] + z * table[, "Std. Error"]), rownames(table)))
  add(records, dataset, paste0(label, ": logLik"), paste0(call, "; logLik(fit)"), as.numeric(logLik(fit)))
  if (length(predicted_rows)) {
    predicted <- predict(fit, type = "response")[predicted_rows]
    add(records, dataset, paste0(label, ": predicted"), paste0(call, "; predict(fit, type = \"response\")[rows]"),
        setNames(predicted, predicted_rows))
  }
}

# ---------------------------------------------------------------------------------- lalonde (MatchIt)
lalonde <- reference_csv("lalonde.csv")
describe_glm("lalonde", "treat ~ age + educ + race + married + nodegree + re74 + re75",
             glm(treat ~ age + educ + race + married + nodegree + re74 + re75, family = binomial, data = lalonde, control = GLM_CONTROL),
             "fit <- glm(treat ~ age + educ + race + married + nodegree + re74 + re75, binomial, lalonde)",
             predicted_rows = c(1L, 2L, 186L, 300L, 614L))

# ------------------------------------------------------------------------------------- aSAH (pROC)
asah <- reference_csv("aSAH.csv")
asah$poor <- as.integer(asah$outcome == "Poor")
describe_glm("aSAH", "poor ~ age + s100b + ndka",
             glm(poor ~ age + s100b + ndka, family = binomial, data = asah, control = GLM_CONTROL),
             "fit <- glm(outcome == \"Poor\" ~ age + s100b + ndka, binomial, aSAH)",
             predicted_rows = c(1L, 2L, 50L, 113L))

# ---------------------------------------------------------------------------- the chapters' data
dti <- dti_ivim_cohort()
describe_glm("dti-ivim", "good_recovery ~ fa_x100 + f",
             glm(good_recovery ~ fa_x100 + f, family = binomial, data = dti, control = GLM_CONTROL),
             "fit <- glm(good_recovery ~ fa_x100 + f, binomial, data)",
             predicted_rows = c(1L, 2L, 3L, 50L, nrow(dti)))
mscc <- mscc_cohort()
describe_glm("mscc-separation", "separated ~ bilsky_3 + sins + age",
             glm(separated ~ bilsky_3 + sins + age, family = binomial, data = mscc, control = GLM_CONTROL),
             "fit <- glm(separated ~ bilsky_3 + sins + age, binomial, data)")

write_records(records, "glm")
