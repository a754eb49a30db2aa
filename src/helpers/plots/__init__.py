"""Figures for the chapters, one module per topic. Plots compute no statistics: they draw what the
statistics helpers return. Every figure has a title and axis labels with units; chapters give alt text.
"""

from helpers.plots.diagnostic import plot_fagan_nomogram, plot_imaging_pathway, plot_predictive_values
from helpers.plots.longitudinal import (plot_axial_imf, plot_imf_distributions, plot_odds_ratio_forest,
                                        plot_spaghetti, plot_trajectories)

__all__ = ["plot_fagan_nomogram", "plot_imaging_pathway", "plot_predictive_values",
           "plot_axial_imf", "plot_imf_distributions", "plot_odds_ratio_forest", "plot_spaghetti", "plot_trajectories"]
