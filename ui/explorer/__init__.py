"""The Latent explorer's panels, one module each: the canvas panel, the metrics column, and the panels
under the canvas (manifold, interpolation, prior samples, across beta, rate-distortion, KL off vs on,
train at a beta). grid.py aligns the KL-weight grid; plane.py holds what the latent plane shows."""
