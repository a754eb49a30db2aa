"""Figures for the chapters, one module per topic. Plots compute no statistics: they draw what the
statistics helpers return. Every figure has a title and axis labels with units; chapters give alt text.
"""

from helpers.plots.diagnostic import plot_fagan_nomogram, plot_imaging_pathway, plot_predictive_values
from helpers.plots.longitudinal import (plot_axial_imf, plot_imf_distributions, plot_odds_ratio_forest,
                                        plot_spaghetti, plot_trajectories)
from helpers.plots.matching import plot_effect_estimates, plot_love, plot_score_overlap
from helpers.plots.roc import (plot_calibration, plot_decision_curve, plot_recovery, plot_roc_curves,
                               plot_scatter_matrix)
from helpers.plots.survival import plot_bilsky_distribution, plot_forest, plot_kaplan_meier, plot_schoenfeld_residuals

__all__ = ["plot_fagan_nomogram", "plot_imaging_pathway", "plot_predictive_values", "plot_love", "plot_score_overlap",
           "plot_effect_estimates", "plot_bilsky_distribution", "plot_forest", "plot_kaplan_meier",
           "plot_schoenfeld_residuals", "plot_recovery", "plot_scatter_matrix", "plot_roc_curves", "plot_calibration",
           "plot_decision_curve", "plot_axial_imf", "plot_imf_distributions", "plot_odds_ratio_forest",
           "plot_spaghetti", "plot_trajectories"]
