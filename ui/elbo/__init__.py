"""The ELBO page's panels: the 2-D posterior grid with a movable q (grid_panel, with its figure, q's controls and
the table of tries), sampled numbers for other latent sizes, and the decoder-variance demo. common.py holds
what they share."""
