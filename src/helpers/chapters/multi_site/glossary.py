"""What each ``quantity`` of the multi-site chapter's ``results.csv`` means (one line each; the book's
glossary page is generated from it)."""

QUANTITIES = {
    "sites": "number of hospitals whose adjusted hazard ratio could be estimated and pooled",
    "patients": "patients in all hospitals together",
    "site_hazard_ratio": "one hospital's adjusted hazard ratio of death, not separated vs separated (Cox model)",
    "pooled_hazard_ratio": "pooled hazard ratio across hospitals (fixed-effect or random-effects meta-analysis)",
    "prediction_interval": "range of hazard ratios a new hospital should expect (random-effects prediction interval)",
    "tau2": "between-hospital variance of the log hazard ratio (tau squared)",
    "i2": "share of the variation in hospital estimates due to real differences rather than chance (I squared, %)",
    "q": "Cochran's Q test of heterogeneity between hospitals",
    "one_stage_hazard_ratio": "hazard ratio from one Cox model of all patients, stratified by hospital",
}
