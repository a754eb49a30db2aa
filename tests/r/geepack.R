# geepack reference values: GEE with an exchangeable working correlation, Gaussian, identity link
# (coefficients, robust sandwich SEs, working correlation alpha, robust Wald test of the visit x group
# terms), on lme4's sleepstudy and on the paraspinal-imf chapter's long data. Compared with
# helpers.stats.gee.gee_sensitivity in tests/test_r_parity.py.
if (!exists("R_DIR")) R_DIR <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
source(file.path(R_DIR, "common.R"))
suppressPackageStartupMessages(library(geepack))

records <- new_records("geepack")
version <- package_call("geepack")

describe_gee <- function(dataset, label, fit, call, interaction = FALSE) {
  call <- paste0(call, "   # ", version, "; control = geese.control(epsilon = 1e-12, maxit = 100)")
  table <- summary(fit)$coefficients
  add(records, dataset, paste0(label, ": coef"), paste0(call, "; coef(fit)"), setNames(table[, "Estimate"], rownames(table)))
  add(records, dataset, paste0(label, ": robust_se"), paste0(call, "; summary(fit)$coefficients[, \"Std.err\"]"),
      setNames(table[, "Std.err"], rownames(table)))
  add(records, dataset, paste0(label, ": alpha"), paste0(call, "; fit$geese$alpha"), unname(fit$geese$alpha))
  add(records, dataset, paste0(label, ": scale"), paste0(call, "; fit$geese$gamma"), unname(fit$geese$gamma))
  if (interaction) {
    terms <- grep(":", names(coef(fit)), value = TRUE)
    b <- coef(fit)[terms]
    statistic <- as.numeric(t(b) %*% solve(vcov(fit)[terms, terms], b))
    add(records, dataset, paste0(label, ": interaction_wald_chisq"),
        paste0(call, "; b <- coef(fit)[interaction terms]; t(b) %*% solve(vcov(fit)[terms, terms], b)"), statistic)
    add(records, dataset, paste0(label, ": interaction_wald_p"),
        paste0("pchisq(statistic, ", length(terms), ", lower.tail = FALSE)"), pchisq(statistic, length(terms), lower.tail = FALSE))
  }
}

# ------------------------------------------------------------------------------- sleepstudy (lme4)
sleep <- reference_csv("sleepstudy.csv")
sleep <- sleep[order(sleep$Subject, sleep$Days), ]
describe_gee("sleepstudy", "Reaction ~ Days",
             geeglm(Reaction ~ Days, id = Subject, data = sleep, corstr = "exchangeable", control = GEESE_CONTROL()),
             "fit <- geeglm(Reaction ~ Days, id = Subject, data = sleepstudy, corstr = \"exchangeable\")")
# gee_sensitivity's model form (visit as a factor x a patient-level group): the first nine subjects
# (308 to 335) against the other nine, an arbitrary split that gives the model a group.
sleep$half <- factor(ifelse(sleep$Subject <= 335, "first", "second"))
describe_gee("sleepstudy", "Reaction ~ factor(Days) * half",
             geeglm(Reaction ~ Days * half, id = Subject, data = transform(sleep, Days = factor(Days)),
                    corstr = "exchangeable", control = GEESE_CONTROL()),
             "half <- ifelse(Subject <= 335, \"first\", \"second\"); fit <- geeglm(Reaction ~ factor(Days) * half, id = Subject, corstr = \"exchangeable\")")

# ------------------------------------------------------------------------- paraspinal-imf chapter data
# The chapter's GEE sensitivity analysis: disability ~ visit x IMF group of the right multifidus
# (reference: severe) + age + sex + BMI, rows with disability missing dropped, sorted by patient and visit.
para <- paraspinal_cohort("multifidus_right")
para <- para[!is.na(para$disability), ]
describe_gee("paraspinal-imf", "disability ~ visit_month * group_multifidus_right + age + sex + bmi",
             geeglm(disability ~ visit_month * group_multifidus_right + age + sex + bmi, id = factor(patient_id), data = para,
                    corstr = "exchangeable", control = GEESE_CONTROL()),
             "fit <- geeglm(disability ~ factor(visit_month) * group_multifidus_right + age + sex + bmi, id = patient_id, corstr = \"exchangeable\")",
             interaction = TRUE)

write_records(records, "geepack")
