"""The app's pages, listed once: app.py builds its navigation from this list and the Home page its links."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    """One page: its script, its title in the navigation, its icon, and the line Home shows under its link."""

    path: str
    title: str
    icon: str
    blurb: str


HOME = PageInfo("app_pages/home.py", "Home", ":material/home:", "what a VAE is; the shipped models")
PAGES = (
    HOME,
    PageInfo(
        "app_pages/pca.py",
        "PCA vs autoencoder",
        ":material/compare_arrows:",
        "linear AE = PCA, and where non-linear wins",
    ),
    PageInfo(
        "app_pages/explorer.py",
        "Latent explorer",
        ":material/scatter_plot:",
        "hover to decode, drag the KL weight, see holes appear",
    ),
    PageInfo(
        "app_pages/information.py", "Information and KL", ":material/functions:", "bits, entropy, KL both ways, Bayes"
    ),
    PageInfo(
        "app_pages/elbo.py", "ELBO", ":material/stacked_line_chart:", "ELBO + KL(q || posterior) = log p(x), live"
    ),
    PageInfo(
        "app_pages/reparam.py",
        "Reparameterization",
        ":material/shuffle:",
        "why gradients flow through z = mu + sigma eps",
    ),
    PageInfo("app_pages/train.py", "Train", ":material/model_training:", "your data, your settings, live curves"),
)
