"""Completeness with its standard error, the holes map and I(x;z) over every row (vae_core.coverage and
vae_core.aggregate), on hand-built models whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vae_core import InputError, ModelConfig, coverage, metrics
from vae_core.aggregate import information, mixture_log_density
from vae_core.model import VAE


def crafted(a=(1.0, 1.0), v=0.25, shift=(0.0, 0.0)) -> VAE:
    """A linear VAE on 2-D data with q(z|x) = N(diag(a) x + shift, v I) and decoder f(z) = z."""
    m = VAE(ModelConfig(kind="vae", input_dim=2, latent_dim=2, hidden=(), likelihood="gaussian"))
    with torch.no_grad():
        w = torch.zeros(4, 2)
        w[0, 0], w[1, 1] = a
        m.encoder[0].weight.copy_(w)
        m.encoder[0].bias.copy_(torch.tensor([shift[0], shift[1], math.log(v), math.log(v)]))
        m.decoder[0].weight.copy_(torch.eye(2))
        m.decoder[0].bias.zero_()
    return m


def overlap_2d(s: float) -> float:
    """int min(N(0, I), N(0, s I)) dz in 2-D for s < 1: the densities cross at radius R with
    R^2 = 2 log(1/s) / (1/s - 1); inside R the narrow one is larger (take the prior's mass there), outside it
    is smaller (take its own mass)."""
    r2 = 2 * math.log(1 / s) / (1 / s - 1)
    return (1 - math.exp(-r2 / 2)) + math.exp(-r2 / (2 * s))


@pytest.fixture(scope="module")
def gauss_x():
    return np.random.default_rng(0).normal(size=(1500, 2)).astype(np.float32)


def encoded(model, x):
    mu, logvar = model.encode(torch.as_tensor(x))
    return mu.detach(), logvar.detach()


@pytest.mark.parametrize("v", [0.05, 0.29, 0.7])
def test_the_standard_error_covers_the_exact_score(gauss_x, v):
    """Every row encodes to N(0, v I), so the aggregate posterior over all rows is exactly N(0, v I) and the
    score is overlap_2d(v); the estimate lands within 3 standard errors of it, and the error is the size the
    spread over seeds shows."""
    m = crafted((0.0, 0.0), v)
    exact = overlap_2d(v)
    outs = [metrics.completeness(m, gauss_x, n=2000, seed=s) for s in range(12)]
    for out in outs:
        assert abs(out["score"] - exact) <= 3 * out["se"] + 1e-9, (out["score"], out["se"], exact)
    spread = float(np.std([o["score"] for o in outs], ddof=1))
    se = float(np.mean([o["se"] for o in outs]))
    assert 0.5 * se < spread < 2.0 * se
    assert metrics.summary(m, gauss_x)["completeness"]["score"] == pytest.approx(exact, abs=0.02)


def test_holes_map_prior_weighted_mean_is_the_completeness_score(gauss_x):
    """sum_C P_C share_C = int_box min(p, q): the same number as completeness, within the two errors (and the
    1.3e-4 of prior mass outside [-4, 4]^2), for a squeezed aggregate and a shifted one."""
    for model in (crafted((0.5, 0.5), 0.04), crafted((0.3, 0.6), 0.01, shift=(1.0, -0.5))):
        mu, logvar = encoded(model, gauss_x)
        hm = coverage.holes_map(mu, logvar, torch.Generator().manual_seed(0))
        comp = metrics.completeness(model, gauss_x, n=8192, seed=1)
        tol = 3 * math.sqrt(hm["se"] ** 2 + comp["se"] ** 2) + 1.3e-4
        assert abs(hm["mean"] - comp["score"]) <= tol, (hm["mean"], comp["score"], tol)
        cells = hm["cells"]
        assert hm["share"].shape == (cells, cells) and hm["share"].dtype == np.float32
        assert hm["log_ratio"].shape == (cells, cells) and hm["log_ratio"].dtype == np.float32
        assert 0.0 <= hm["share"].min() and hm["share"].max() <= 1.0
        lo, hi = hm["clip"]
        assert lo <= hm["log_ratio"].min() and hm["log_ratio"].max() <= hi


def test_holes_map_rows_are_z2_and_spikes_count_wherever_they_sit():
    """Codes only at z = (2, -1), each 0.001 wide (far narrower than a cell): the cell that holds them has
    log(Q/P) far above 0 and every other cell sits at the clip's floor; the row index is z2."""
    mu = torch.tensor([[2.03, -1.04]] * 10, dtype=torch.float64)
    logvar = torch.full_like(mu, 2 * math.log(0.001))
    hm = coverage.holes_map(mu, logvar, torch.Generator().manual_seed(0), cells=48)
    edges = np.linspace(-4, 4, 49)
    row, col = np.searchsorted(edges, -1.04) - 1, np.searchsorted(edges, 2.03) - 1
    assert hm["log_ratio"][row, col] > 3.0
    mask = np.ones((48, 48), bool)
    mask[row, col] = False
    assert np.all(hm["log_ratio"][mask] == hm["clip"][0])
    assert hm["share"][mask].max() == 0.0 and hm["mean"] < 1e-3


def test_holes_map_bad_arguments():
    mu, lv = torch.zeros(5, 3), torch.zeros(5, 3)
    with pytest.raises(InputError, match="2-D latent"):
        coverage.holes_map(mu, lv, torch.Generator())
    with pytest.raises(InputError, match="cells"):
        coverage.holes_map(mu[:, :2], lv[:, :2], torch.Generator(), cells=1)
    with pytest.raises(InputError, match="extent"):
        coverage.holes_map(mu[:, :2], lv[:, :2], torch.Generator(), extent=-1.0)
    with pytest.raises(InputError, match="per_cell"):
        coverage.holes_map(mu[:, :2], lv[:, :2], torch.Generator(), per_cell=1)


def test_mutual_information_over_every_row_with_its_error(gauss_x):
    """I(x;z) = 0 when every row has the same posterior; for distinct point-like posteriors it reaches log N
    and is flagged as bounded by it (half the rows give log 2 less)."""
    gen = torch.Generator().manual_seed(0)
    same = information(torch.zeros(400, 2), torch.full((400, 2), -1.0), 2, gen)
    assert same["mutual_information"] == pytest.approx(0.0, abs=1e-9) and same["saturated"] is False
    mu = torch.as_tensor(gauss_x[:400]).double() * 10
    apart = information(mu, torch.full_like(mu, -12.0), 4, gen)
    assert apart["mutual_information"] == pytest.approx(math.log(400), abs=1e-3)
    assert apart["growth"] == pytest.approx(math.log(2), abs=0.01) and apart["saturated"] is True
    m = crafted((1.0, 1.0), 0.25)
    s = metrics.summary(m, gauss_x)
    assert s["mi_se"] > 0 and s["mi_saturated"] is False
    assert s["mutual_information"] == pytest.approx(2 * 0.5 * math.log(1 + 1 / 0.25), abs=0.1)
    assert s["mutual_information"] + s["marginal_kl"] == pytest.approx(s["kl"], abs=1e-9)  # the same rows


def test_mixture_log_density_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    mu, logvar, z = torch.randn(7, 3, generator=g), torch.randn(7, 3, generator=g), torch.randn(11, 3, generator=g)
    comp = torch.distributions.Independent(torch.distributions.Normal(mu.double(), (0.5 * logvar).exp().double()), 1)
    ref = torch.logsumexp(comp.log_prob(z.double()[:, None, :]), 1) - math.log(7)
    torch.testing.assert_close(mixture_log_density(z, mu, logvar), ref)


def test_summary_caps_the_rows_of_a_large_data_set(gauss_x, monkeypatch):
    """I(x;z) costs rows^2: past SUMMARY_MAX_ROWS rows summary uses a random subset of that size and says so."""
    m = crafted((1.0, 1.0), 0.25)
    assert metrics.summary(m, gauss_x)["rows_used"] == gauss_x.shape[0]
    monkeypatch.setattr(metrics, "SUMMARY_MAX_ROWS", 500)
    s = metrics.summary(m, gauss_x)
    assert s["rows_used"] == 500 and s["mi_upper_bound"] == pytest.approx(math.log(500))
