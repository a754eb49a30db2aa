# Propensity-score matching reference values: MatchIt's documented 1:1 greedy nearest-neighbour rule
# without replacement ("largest propensity first, nearest available control within the caliper"), written
# out in plain R, because the MatchIt in Debian (4.5.1) ignores calipers and does not always take the
# nearest available control (kosukeimai/MatchIt issue 163). Balance after matching is computed by
# MatchIt's own summary() on the rule's pairs (a matchit object whose weights and match matrix are the
# rule's). On MatchIt's lalonde (no caliper; caliper 0.2 SD of the propensity score) and on the
# dynamic-mri chapter's data (its default: caliper 0.2 SD of the logit of the score). The pairs are written
# to matching_pairs.json. Compared with helpers.stats.matching in tests/test_r_parity.py.
if (!exists("R_DIR")) R_DIR <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
source(file.path(R_DIR, "common.R"))
suppressPackageStartupMessages(library(MatchIt))

records <- new_records("matching")
version <- package_call("MatchIt")

# The greedy rule. score: the matching scale (propensity or its logit); treated: logical; propensity:
# the order (largest first; ties in data order); width: caliper width on the score's scale (Inf: none).
# Each treated unit takes the available control with the smallest |score difference| if it is <= width.
# Exact ties in distance (identical scores: lalonde has controls with identical covariates) follow
# MatchIt 4.7's find_control_vec: with every unit sorted by (score, data order), the control fewer places
# away from the treated unit wins, the lower one when equally far.
greedy_match <- function(score, treated, propensity, width = Inf) {
  order_treated <- which(treated)[order(-propensity[treated], which(treated))]
  place <- integer(length(score))
  place[order(score, seq_along(score))] <- seq_along(score)
  available <- !treated
  control <- rep(NA_integer_, length(score))
  for (t in order_treated) {
    candidates <- which(available)
    if (!length(candidates)) break
    gaps <- abs(score[t] - score[candidates])
    nearest <- candidates[gaps == min(gaps)]
    away <- abs(place[nearest] - place[t])
    nearest <- nearest[away == min(away)]
    best <- nearest[which.min(place[nearest])]
    if (abs(score[t] - score[best]) <= width) {
      control[t] <- best
      available[best] <- FALSE
    }
  }
  control
}

# MatchIt's summary() of the rule's pairs: a matchit object fitted without a caliper, whose weights
# and match matrix are replaced by the rule's (summary() reads only those and the data).
balance_of_pairs <- function(formula, data, control) {
  fit <- suppressWarnings(matchit(formula, data = data, method = "nearest", distance = "glm"))
  treated_rows <- which(data[[all.vars(formula)[1]]] == 1)
  matrix <- matrix(NA_character_, nrow = length(treated_rows), ncol = 1,
                   dimnames = list(rownames(data)[treated_rows], NULL))
  matched <- treated_rows[!is.na(control[treated_rows])]
  matrix[match(matched, treated_rows), 1] <- rownames(data)[control[matched]]
  weights <- setNames(rep(0, nrow(data)), rownames(data))
  weights[c(matched, control[matched])] <- 1
  fit$match.matrix <- matrix
  fit$weights <- weights
  summary(fit)
}

describe_match <- function(dataset, label, formula, data, scale, caliper) {
  propensity <- fitted(glm(formula, family = binomial, data = data))
  score <- if (scale == "logit") qlogis(propensity) else propensity
  width <- if (is.null(caliper)) Inf else caliper * sd(score)
  treated <- data[[all.vars(formula)[1]]] == 1
  control <- greedy_match(score, treated, propensity, width)
  s <- balance_of_pairs(formula, data, control)
  rule <- sprintf("ps <- fitted(glm(%s, binomial)); greedy 1:1 rule on %s%s, largest ps first",
                  deparse(formula, width.cutoff = 500L), if (scale == "logit") "qlogis(ps)" else "ps",
                  if (is.null(caliper)) ", no caliper" else sprintf(", caliper %s * sd(%s)", caliper,
                                                                   if (scale == "logit") "qlogis(ps)" else "ps"))
  add(records, dataset, paste0(label, ": caliper_width"), paste0(rule, "; width"), if (is.finite(width)) width else NA)
  add(records, dataset, paste0(label, ": n_pairs"), paste0(rule, "; number of pairs"), sum(!is.na(control)))
  call <- paste0(rule, "; summary(matchit object with the rule's pairs)   # ", version)
  add(records, dataset, paste0(label, ": smd_before"), paste0(call, "$sum.all[, \"Std. Mean Diff.\"]"),
      s$sum.all[, "Std. Mean Diff."])
  add(records, dataset, paste0(label, ": smd_after"), paste0(call, "$sum.matched[, \"Std. Mean Diff.\"]"),
      s$sum.matched[, "Std. Mean Diff."])
  add(records, dataset, paste0(label, ": mean_control_before"), paste0(call, "$sum.all[, \"Means Control\"]"),
      s$sum.all[, "Means Control"])
  add(records, dataset, paste0(label, ": mean_treated_after"), paste0(call, "$sum.matched[, \"Means Treated\"]"),
      s$sum.matched[, "Means Treated"])
  add(records, dataset, paste0(label, ": mean_control_after"), paste0(call, "$sum.matched[, \"Means Control\"]"),
      s$sum.matched[, "Means Control"])
  add(records, dataset, paste0(label, ": variance_ratio_before"), paste0(call, "$sum.all[, \"Var. Ratio\"]   (NA for binary)"),
      s$sum.all[, "Var. Ratio"])
  add(records, dataset, paste0(label, ": variance_ratio_after"), paste0(call, "$sum.matched[, \"Var. Ratio\"]   (NA for binary)"),
      s$sum.matched[, "Var. Ratio"])
  matched <- which(!is.na(control))
  setNames(as.list(rownames(data)[control[matched]]), rownames(data)[matched])
}

pairs <- list()
lalonde <- reference_csv("lalonde.csv")
rownames(lalonde) <- lalonde$id
lalonde_formula <- treat ~ age + educ + race + married + nodegree + re74 + re75
pairs[["lalonde, no caliper"]] <- describe_match("lalonde", "no caliper", lalonde_formula, lalonde, "propensity", NULL)
pairs[["lalonde, caliper 0.2 propensity"]] <- describe_match("lalonde", "caliper 0.2 propensity", lalonde_formula,
                                                             lalonde, "propensity", 0.2)
# MatchIt's own matching, for the record: how many of its 185 pairs differ from the rule's (issue 163).
own <- suppressWarnings(matchit(lalonde_formula, data = lalonde, method = "nearest", distance = "glm"))
own_pairs <- setNames(own$match.matrix[, 1], rownames(own$match.matrix))
rule_pairs <- unlist(pairs[["lalonde, no caliper"]])
add(records, "lalonde", "no caliper: pairs differing from MatchIt 4.5.1's own matchit()",
    paste0("sum(matchit(", deparse(lalonde_formula, width.cutoff = 500L), ", method = \"nearest\")$match.matrix != rule's pairs)   # ", version),
    sum(own_pairs[names(rule_pairs)] != rule_pairs))

dynamic <- dynamic_cohort()
rownames(dynamic) <- dynamic$patient_id
dynamic_formula <- dynamic ~ age + sex + bmi + duration_months + mjoa_pre + compressed_segments
pairs[["dynamic-mri, caliper 0.2 logit"]] <- describe_match("dynamic-mri", "caliper 0.2 logit", dynamic_formula,
                                                            dynamic, "logit", 0.2)

write_records(records, "matching")
write_auxiliary(pairs, "matching_pairs")
