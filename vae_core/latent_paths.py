"""The continuity score: how evenly decodings change along straight latent paths between codes of real data."""

from __future__ import annotations

import math

import torch

from .batched import decode_rows, encode_rows
from .checks import check_int, check_seed
from .model_checks import as_rows, require_model


@torch.no_grad()
def continuity(model, x, n_pairs: int = 1024, steps: int = 16, seed: int = 0) -> dict:
    """Continuity score in [0, 1]: do decodings change gradually along latent paths, or jump?

    The tutorial's continuity: two close points in latent space decode to close content. Along the straight
    path between two codes, a continuous decoder spreads the change of its output over the path; a
    discontinuous one makes most of it in one step, however finely the path is cut. For a continuous decoder,
    as steps grow the score tends to the path's mean speed over its top speed (how evenly the decoded image
    changes along the path), so every smooth decoder scores above 0.

    Definition. For n_pairs random pairs (a, b) of posterior means of distinct rows of x, decode the
    steps + 1 evenly spaced points z_t = a + (t / steps)(b - a), t = 0..steps, and take the step sizes
    c_t = ||f(z_{t+1}) - f(z_t)||_2 (f = the decoded mean, t = 0..steps-1). The largest share of the change
    made by one step, s = max_t c_t / sum_t c_t in [1/steps, 1], is the Berger-Parker dominance of the steps
    (Berger & Parker 1970, Science 168:1345). Per pair
        score = (1/s - 1) / (steps - 1),
    and the returned "score" is the mean over pairs weighted by each pair's path length L = sum_t c_t (pairs
    whose decodings hardly differ say little about jumps).
        1 = every step changes the output by the same amount (a gentle, even morph);
        0 = all of the change happens in one step (a jump between two decodings).
    The score is scale-free, so latent spaces with different spreads compare fairly. A collapsed model that
    decodes every z to the same output is trivially continuous (a floor of 1e-4 sqrt(d), spread evenly over
    the steps, makes flat pairs count as even): read it beside I(x;z) or the reconstruction error.

    "se": the standard error of the weighted mean over random pairs (ratio-estimator linearization,
    sqrt(sum_i L_i^2 (score_i - score)^2) / sum_i L_i). "worst_pair": [a, b], the latent endpoints of the pair
    with the lowest score (lists of latent_dim floats). Also "jump_ratio" (mean over pairs of
    max_t c_t / mean_t c_t, in [1, steps]), "smoothness_ratio" (mean of sum_t c_t / ||f(b) - f(a)||: 1 = straight
    path in data space, large = detours), "profile" (steps,) the mean of c_t / sum_t c_t per step (flat at
    1/steps is even), "pair_scores" (n_pairs,), "steps", "n_pairs". steps >= 2.
    """
    require_model(model)
    xt = as_rows(model, x, min_rows=2)
    n_pairs = check_int("n_pairs", n_pairs, 1, 100_000)
    steps = check_int("steps", steps, 2, 1000)
    gen = torch.Generator().manual_seed(check_seed(seed))
    n = xt.shape[0]
    i = torch.randint(0, n, (n_pairs,), generator=gen)
    j = (i + torch.randint(1, n, (n_pairs,), generator=gen)) % n  # j != i
    idx = torch.cat([i, j]).to(xt.device)
    mu, _ = encode_rows(model, xt[idx])
    a, b = mu[:n_pairs], mu[n_pairs:]
    t = torch.linspace(0.0, 1.0, steps + 1, device=mu.device)[:, None, None]
    z = a[None] + t * (b - a)[None]  # (steps+1, P, k)
    f = decode_rows(model, z.reshape(-1, z.shape[-1])).double().reshape(steps + 1, n_pairs, -1)
    floor = 1e-4 * math.sqrt(f.shape[-1])
    raw = (f[1:] - f[:-1]).norm(dim=-1)  # (steps, P)
    c = raw + floor / steps
    total = c.sum(0)
    share = c.max(0).values / total
    pair_scores = ((1.0 / share - 1.0) / (steps - 1)).clamp(0.0, 1.0)
    score = float((pair_scores * total).sum() / total.sum())
    if n_pairs > 1:
        resid = (total * (pair_scores - score)).pow(2).sum() * n_pairs / (n_pairs - 1)
        se = float(resid.sqrt() / total.sum())
    else:
        se = float("nan")
    worst = int(pair_scores.argmin())
    dist = (f[-1] - f[0]).norm(dim=-1)
    return {
        "score": score,
        "se": se,
        "worst_pair": [a[worst].cpu().double().tolist(), b[worst].cpu().double().tolist()],
        "jump_ratio": float((c.max(0).values / c.mean(0)).mean()),
        "smoothness_ratio": float(((raw.sum(0) + floor) / (dist + floor)).mean()),
        "profile": (c / total).mean(1).cpu().numpy(),
        "pair_scores": pair_scores.cpu().numpy(),
        "steps": steps,
        "n_pairs": n_pairs,
    }


__all__ = ["continuity"]
