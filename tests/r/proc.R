# pROC reference values: AUC, DeLong variance and CI, paired DeLong test (roc.test), Youden threshold
# (coords "best"), on pROC's aSAH and on the dti-ivim chapter's data. Compared with helpers.stats.roc in
# tests/test_r_parity.py.
if (!exists("R_DIR")) R_DIR <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
source(file.path(R_DIR, "common.R"))
suppressPackageStartupMessages(library(pROC))

records <- new_records("pROC")
version <- package_call("pROC")

describe_auc <- function(dataset, name, r, call) {
  ci <- ci.auc(r, method = "delong")
  add(records, dataset, paste0("auc[", name, "]"), paste0(call, "; auc(r)   # ", version), as.numeric(auc(r)))
  add(records, dataset, paste0("auc_variance[", name, "]"), paste0(call, "; var(r, method = \"delong\")"),
      var(r, method = "delong"))
  add(records, dataset, paste0("auc_ci_low[", name, "]"), paste0(call, "; ci.auc(r, method = \"delong\")[1]"), ci[1])
  add(records, dataset, paste0("auc_ci_high[", name, "]"), paste0(call, "; ci.auc(r, method = \"delong\")[3]"), ci[3])
}

# Youden-optimal threshold; on a tie pROC returns every optimal threshold: the one with the highest
# sensitivity is kept (the helper's documented rule).
describe_youden <- function(dataset, name, r, call) {
  best <- coords(r, "best", best.method = "youden", ret = c("threshold", "specificity", "sensitivity"),
                 transpose = FALSE)
  best <- best[which.max(best$sensitivity), ]
  full <- paste0(call, "; coords(r, \"best\", best.method = \"youden\", ret = c(\"threshold\", \"specificity\", ",
                 "\"sensitivity\"))  (highest sensitivity among ties)")
  add(records, dataset, paste0("youden_threshold[", name, "]"), full, best$threshold)
  add(records, dataset, paste0("youden_specificity[", name, "]"), full, best$specificity)
  add(records, dataset, paste0("youden_sensitivity[", name, "]"), full, best$sensitivity)
}

describe_test <- function(dataset, label, r1, r2, call) {
  test <- roc.test(r1, r2, method = "delong", paired = TRUE)
  call <- paste0(call, "; roc.test(r1, r2, method = \"delong\", paired = TRUE)")
  add(records, dataset, paste0("delong_z[", label, "]"), paste0(call, "$statistic"), unname(test$statistic))
  add(records, dataset, paste0("delong_p[", label, "]"), paste0(call, "$p.value"), test$p.value)
  add(records, dataset, paste0("delong_difference[", label, "]"), paste0(call, ": diff(rev(estimate))"),
      unname(test$estimate[1] - test$estimate[2]))
  add(records, dataset, paste0("delong_ci_low[", label, "]"), paste0(call, "$conf.int[1]"), test$conf.int[1])
  add(records, dataset, paste0("delong_ci_high[", label, "]"), paste0(call, "$conf.int[2]"), test$conf.int[2])
}

# ------------------------------------------------------------------------------------- aSAH (pROC)
asah <- reference_csv("aSAH.csv")
asah_curves <- list()
for (name in c("s100b", "ndka", "wfns")) {
  call <- sprintf("r <- roc(aSAH$outcome, as.numeric(aSAH$%s), levels = c(\"Good\", \"Poor\"), direction = \"<\")", name)
  asah_curves[[name]] <- roc(asah$outcome, as.numeric(asah[[name]]), levels = c("Good", "Poor"), direction = "<")
  describe_auc("aSAH", name, asah_curves[[name]], call)
}
for (name in c("s100b", "ndka")) {
  describe_youden("aSAH", name, asah_curves[[name]],
                  sprintf("r <- roc(aSAH$outcome, aSAH$%s, levels = c(\"Good\", \"Poor\"), direction = \"<\")", name))
}
for (pair in list(c("ndka", "s100b"), c("wfns", "s100b"), c("wfns", "ndka"))) {
  describe_test("aSAH", paste(pair, collapse = "-"), asah_curves[[pair[1]]], asah_curves[[pair[2]]],
                sprintf("r1 <- roc(aSAH$outcome, aSAH$%s, direction = \"<\"); r2 <- roc(aSAH$outcome, aSAH$%s, direction = \"<\")",
                        pair[1], pair[2]))
}

# --------------------------------------------------------------------------- dti-ivim chapter data
dti <- dti_ivim_cohort()
directions <- c(fa = "<", adc = ">", d = ">", d_star = "<", f = "<")
dti_curves <- list()
for (name in names(directions)) {
  call <- sprintf("r <- roc(good_recovery, %s, levels = c(0, 1), direction = \"%s\")", name, directions[[name]])
  dti_curves[[name]] <- roc(dti$good_recovery, dti[[name]], levels = c(0, 1), direction = directions[[name]])
  describe_auc("dti-ivim", name, dti_curves[[name]], call)
  describe_youden("dti-ivim", name, dti_curves[[name]], call)
}
model <- glm(good_recovery ~ fa_x100 + f, family = binomial, data = dti)
model_call <- "m <- glm(good_recovery ~ fa_x100 + f, binomial); r <- roc(good_recovery, fitted(m), levels = c(0, 1), direction = \"<\")"
dti_curves[["fa+f"]] <- roc(dti$good_recovery, fitted(model), levels = c(0, 1), direction = "<")
describe_auc("dti-ivim", "fa+f", dti_curves[["fa+f"]], model_call)
describe_test("dti-ivim", "fa-f", dti_curves[["fa"]], dti_curves[["f"]],
              "r1 <- roc(good_recovery, fa, direction = \"<\"); r2 <- roc(good_recovery, f, direction = \"<\")")
describe_test("dti-ivim", "fa+f-fa", dti_curves[["fa+f"]], dti_curves[["fa"]],
              "r1 <- roc(good_recovery, fitted(glm(good_recovery ~ fa_x100 + f, binomial))); r2 <- roc(good_recovery, fa_x100, direction = \"<\")")

write_records(records, "proc")
