"""Aligning latent layouts of models that differ only in beta, so a KL-weight slider does not flip or spin
the picture: orthogonal Procrustes for measurement, signed permutations for display.

A VAE with diagonal q(z|x) and prior N(0, I) is unchanged in distribution by any orthogonal map of z, but a
diagonal posterior stays diagonal only under signed permutations (axis swaps and flips). So the display uses
the best signed permutation, applied to the model's weights (an exact reparameterization: every density,
KL and decoding is the same), and reports how close that gets to the best free rotation.
"""

from __future__ import annotations

import copy
import itertools
from typing import TYPE_CHECKING

import numpy as np

from .errors import InputError

if TYPE_CHECKING:  # torch loads only when a model is changed: the layout maths below is numpy
    from .model import VAE


def disparity(a: np.ndarray, b: np.ndarray) -> float:
    """Procrustes-style disparity without the rotation: both layouts centred and scaled to unit Frobenius norm,
    then sum ||a - b||^2 = 2 - 2 <a, b>, in [0, 4]. 0 = identical up to shift and scale, 2 = unrelated
    (uncorrelated), 4 = a mirrored copy (b = -a). (scipy.spatial.procrustes normalises the same way but rotates
    first, which keeps its value in [0, 1]; see `orthogonal`.)"""
    a, b = _normalise(a), _normalise(b)
    return float(((a - b) ** 2).sum())


def _normalise(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, np.float64)
    a = a - a.mean(0)
    norm = np.linalg.norm(a)
    return a / norm if norm > 0 else a


def orthogonal(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
    """Best orthogonal Q (k, k) minimising ||a_n Q - b_n|| over normalised a, b (Schonemann 1966, via
    scipy.linalg.orthogonal_procrustes); returns (Q, disparity after)."""
    from scipy.linalg import orthogonal_procrustes

    _check(a, b)
    an, bn = _normalise(a), _normalise(b)
    q, _ = orthogonal_procrustes(an, bn)
    return q, float(((an @ q - bn) ** 2).sum())


def signed_permutation(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
    """Best signed permutation P (k, k) (entries 0 and +-1) minimising the disparity of a P against b.

    Exhaustive for k <= 6 (k! 2^k candidates); greedy by absolute correlation for larger k."""
    _check(a, b)
    an, bn = _normalise(a), _normalise(b)
    k = an.shape[1]
    corr = an.T @ bn  # (k, k): how well a's axis i matches b's axis j
    if k <= 6:
        best, best_p = -np.inf, None
        for perm in itertools.permutations(range(k)):
            score = sum(abs(corr[i, perm[i]]) for i in range(k))
            if score > best:
                best, best_p = score, perm
        perm = best_p
    else:
        perm, used = [0] * k, set()
        for i in np.argsort(-np.abs(corr).max(1)):
            j = max((j for j in range(k) if j not in used), key=lambda j: abs(corr[i, j]))
            perm[i] = j
            used.add(j)
    p = np.zeros((k, k))
    for i, j in enumerate(perm):
        p[i, j] = 1.0 if corr[i, j] >= 0 else -1.0
    return p, float(((an @ p - bn) ** 2).sum())


def _check(a, b) -> None:
    if np.shape(a) != np.shape(b) or np.ndim(a) != 2:
        raise InputError(f"layouts must be two (n, k) arrays of the same shape, got {np.shape(a)} and {np.shape(b)}.")


def apply_signed_permutation(model: VAE, p: np.ndarray) -> VAE:
    """A copy of model whose latent coordinates are z' = z P (P a signed permutation). Exact: the encoder's
    mean head is mapped by P, its log-variance head permuted, the decoder's first layer takes z' back to z."""
    k = model.config.latent_dim
    p = np.asarray(p, np.float64)
    if p.shape != (k, k) or not np.allclose(np.abs(p).sum(0), 1) or not np.allclose(np.abs(p).sum(1), 1):
        raise InputError(f"P must be a ({k}, {k}) signed permutation matrix.")
    import torch

    from .model_checks import linear_layers  # torch-based: loaded only when a model is aligned

    out = copy.deepcopy(model)
    out.info = model.info
    pt = torch.as_tensor(p, dtype=torch.float32, device=model.device)
    with torch.no_grad():
        last = linear_layers(out.encoder)[-1]
        w, b = last.weight.data, last.bias.data  # rows: [mu (k); logvar (k)] or [code (k)]
        mu_w, mu_b = w[:k], b[:k]
        w[:k], b[:k] = pt.t() @ mu_w, mu_b @ pt  # mu' = mu P
        if model.is_vae:
            perm = pt.abs()
            w[k:], b[k:] = perm.t() @ w[k:], b[k:] @ perm  # variances follow the axes, signs do not matter
        first = linear_layers(out.decoder)[0]
        first.weight.data = first.weight.data @ pt  # f(z) with z = z' P^T
    return out


def grid_permutations(mus: list[np.ndarray], betas: list[float], anchor_beta: float = 1.0):
    """Signed permutations that align the layouts of models differing only in beta, for a KL-weight slider.

    mus: each model's posterior means (n, k) of the same inputs. Chained outward from the model nearest
    anchor_beta: each layout gets the signed permutation P (k, k) that best matches mu P to its already
    aligned neighbour. Returns (perms, report): perms[i] for model i (the anchor's is the identity), and per
    neighbour pair the Procrustes disparity before, after the signed permutation, and after the best free
    rotation."""
    if len(mus) != len(betas):
        raise InputError(f"grid_permutations needs one beta per layout, got {len(mus)} layouts and {len(betas)} betas.")
    k = np.shape(mus[0])[1] if mus else 0
    perms = [np.eye(k) for _ in mus]
    if len(mus) < 2:
        return perms, []
    anchor = int(np.argmin([abs(b - anchor_beta) for b in betas]))
    aligned = {anchor: np.asarray(mus[anchor], np.float64)}
    report = []
    for i in list(range(anchor + 1, len(mus))) + list(range(anchor - 1, -1, -1)):
        ref = i - 1 if i > anchor else i + 1
        mu_i = np.asarray(mus[i], np.float64)
        p, after = signed_permutation(mu_i, aligned[ref])
        perms[i], aligned[i] = p, mu_i @ p
        report.append(
            {
                "pair": f"{betas[i]:g} vs {betas[ref]:g}",
                "disparity before": disparity(mu_i, aligned[ref]),
                "after (signed permutation)": after,
                "best rotation": orthogonal(mu_i, aligned[ref])[1],
            }
        )
    return perms, report
