# survival reference values: Kaplan-Meier medians with log and log-log CIs (quantile.survfit), log-rank
# (survdiff), Cox models with Efron ties (coef, SE, Wald p, HR CI, LR test, concordance), RMST (print.survfit
# rmean), on survival's lung, on a curve ending flat at exactly 0.5, and on the mscc-separation chapter's data.
# cox.zph is not compared (the helper implements survival < 3.0's test; see tests/test_cox.py).
if (!exists("R_DIR")) R_DIR <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
source(file.path(R_DIR, "common.R"))
suppressPackageStartupMessages(library(survival))

records <- new_records("survival")
version <- package_call("survival")

describe_medians <- function(dataset, fit, labels, call) {
  for (conf_type in c("log", "log-log")) {
    refit <- update(fit, conf.type = conf_type)
    q <- quantile(refit, probs = 0.5)
    full <- sprintf("%s; quantile(update(fit, conf.type = \"%s\"), 0.5)   # %s", call, conf_type, version)
    suffix <- if (conf_type == "log") "" else "_loglog"
    add(records, dataset, paste0("median", suffix), full, setNames(as.numeric(q$quantile), labels))
    add(records, dataset, paste0("median_ci_low", suffix), full, setNames(as.numeric(q$lower), labels))
    add(records, dataset, paste0("median_ci_high", suffix), full, setNames(as.numeric(q$upper), labels))
  }
}

describe_logrank <- function(dataset, test, labels, call) {
  add(records, dataset, "logrank_chisq", paste0(call, "$chisq"), test$chisq)
  add(records, dataset, "logrank_p", paste0("pchisq(", call, "$chisq, 1, lower.tail = FALSE)"),
      pchisq(test$chisq, length(test$n) - 1, lower.tail = FALSE))
  add(records, dataset, "logrank_expected", paste0(call, "$exp"), setNames(test$exp, labels))
}

describe_cox <- function(dataset, model, fit, call) {
  terms <- names(coef(fit))
  s <- summary(fit)
  co <- s$coefficients
  names_ <- function(v) setNames(v, terms)
  call <- paste0(call, "   # ", version, "; ties = \"efron\", control = coxph.control(eps = 1e-11, iter.max = 100)")
  add(records, dataset, paste0(model, ": coef"), paste0(call, "; coef(fit)"), names_(co[, "coef"]))
  add(records, dataset, paste0(model, ": se"), paste0(call, "; sqrt(diag(vcov(fit)))"), names_(co[, "se(coef)"]))
  add(records, dataset, paste0(model, ": p"), paste0(call, "; summary(fit)$coefficients[, \"Pr(>|z|)\"]"),
      names_(co[, "Pr(>|z|)"]))
  add(records, dataset, paste0(model, ": hr_ci_low"), paste0(call, "; summary(fit)$conf.int[, \"lower .95\"]"),
      names_(s$conf.int[, "lower .95"]))
  add(records, dataset, paste0(model, ": hr_ci_high"), paste0(call, "; summary(fit)$conf.int[, \"upper .95\"]"),
      names_(s$conf.int[, "upper .95"]))
  add(records, dataset, paste0(model, ": lr_statistic"), paste0(call, "; summary(fit)$logtest[\"test\"]"),
      unname(s$logtest["test"]))
  add(records, dataset, paste0(model, ": concordance"), paste0(call, "; fit$concordance[\"concordance\"]"),
      unname(fit$concordance["concordance"]))
}

describe_rmst <- function(dataset, fit, tau, labels, call) {
  table <- summary(fit, rmean = tau)$table
  full <- sprintf("%s; summary(fit, rmean = %s)$table", call, tau)
  add(records, dataset, sprintf("rmst_tau%s", tau), paste0(full, "[, \"rmean\"]"), setNames(table[, "rmean"], labels))
  add(records, dataset, sprintf("rmst_se_tau%s", tau), paste0(full, "[, \"se(rmean)\"]"),
      setNames(table[, "se(rmean)"], labels))
}

# -------------------------------------------------------------------------------------- lung (survival)
lung <- reference_csv("lung.csv")
km <- survfit(Surv(time, status) ~ sex, data = lung)
describe_medians("lung", km, c("1", "2"), "fit <- survfit(Surv(time, status) ~ sex, data = lung)")
describe_logrank("lung", survdiff(Surv(time, status) ~ sex, data = lung), c("1", "2"),
                 "survdiff(Surv(time, status) ~ sex, data = lung)")
describe_rmst("lung", km, 365, c("1", "2"), "fit <- survfit(Surv(time, status) ~ sex, data = lung)")
describe_cox("lung", "sex", coxph(Surv(time, status) ~ sex, data = lung, control = COXPH_CONTROL()),
             "fit <- coxph(Surv(time, status) ~ sex, data = lung)")
describe_cox("lung", "sex + age", coxph(Surv(time, status) ~ sex + age, data = lung, control = COXPH_CONTROL()),
             "fit <- coxph(Surv(time, status) ~ sex + age, data = lung)")

# ------------------------------------------------- a curve ending flat at exactly 0.5 (quantile.survfit)
# print(fit) shows median 6 (print.survfit's rule); quantile(fit, 0.5) gives 14.5, the midpoint of the
# start of the flat part (6) and the last time (23). The helper follows quantile.survfit.
flat <- data.frame(time = c(23, 6, 1, 8, 5, 7, 3), status = c(0, 1, 0, 0, 1, 0, 1))
flat_call <- "fit <- survfit(Surv(c(23, 6, 1, 8, 5, 7, 3), c(0, 1, 0, 0, 1, 0, 1)) ~ 1)"
q <- quantile(survfit(Surv(time, status) ~ 1, data = flat), probs = 0.5)
add(records, "flat-at-half", "median", paste0(flat_call, "; quantile(fit, 0.5)$quantile   # ", version), unname(q$quantile))
add(records, "flat-at-half", "median_ci_low", paste0(flat_call, "; quantile(fit, 0.5)$lower"), unname(q$lower))
add(records, "flat-at-half", "median_ci_high", paste0(flat_call, "; quantile(fit, 0.5)$upper"), unname(q$upper))

# ---------------------------------------------------------------------- mscc-separation chapter data
mscc <- mscc_cohort()
groups <- c("separated", "non_separated")
km <- survfit(Surv(survival_months, death) ~ group, data = mscc)
describe_medians("mscc-separation", km, groups, "fit <- survfit(Surv(survival_months, death) ~ group)")
describe_logrank("mscc-separation", survdiff(Surv(survival_months, death) ~ group, data = mscc), groups,
                 "survdiff(Surv(survival_months, death) ~ group)")
describe_rmst("mscc-separation", km, 12, groups, "fit <- survfit(Surv(survival_months, death) ~ group)")
describe_cox("mscc-separation", "group", coxph(Surv(survival_months, death) ~ group, data = mscc, control = COXPH_CONTROL()),
             "fit <- coxph(Surv(survival_months, death) ~ group)   # reference: separated")
describe_cox("mscc-separation", "group + bilsky_3 + age + radiotherapy",
             coxph(Surv(survival_months, death) ~ group + bilsky_3 + age + radiotherapy, data = mscc, control = COXPH_CONTROL()),
             "fit <- coxph(Surv(survival_months, death) ~ group + bilsky_3 + age + radiotherapy)")

write_records(records, "survival")
