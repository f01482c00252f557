"""PCA against autoencoders, a training experiment: PCA, a linear AE, a non-linear AE and a VAE on the same data
for several latent sizes, with reconstruction errors, principal angles and 2-D embeddings side by side."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import torch

from .batched import decode_rows, encode_rows, subsample
from .checks import check_int, check_seed
from .config import ModelConfig, TrainConfig
from .data import Dataset
from .densities import LIKELIHOODS, NAMES
from .errors import InputError

# Training settings, measured on digits (1797 x 64): 10 epochs of the three models for six latent sizes take
# 4-6 s with one torch thread, and the linear AE then lands within 1-4 % of PCA's error. The linear AE is a
# small, nearly convex problem whose progress is limited by the number of steps (its subspace converges at a
# rate set by the eigengaps), so it takes small batches and a large step; the MLPs take the usual Adam
# settings with a slightly larger step.
PCA_COMPARISON_EPOCHS = 10
_LINEAR_LR, _LINEAR_BATCH = 3e-2, 64
_MLP_LR, _MLP_BATCH = 5e-3, 128


def _sq_error(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over samples of the squared error summed over features."""
    return float(((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2).sum(1).mean())


def pca_comparison(
    ds: Dataset,
    latent_dims: Sequence[int] = (1, 2, 3, 4, 6, 8),
    epochs: int = PCA_COMPARISON_EPOCHS,
    seed: int = 0,
    device="cpu",
    on_step: Callable[[int, int, str], None] | None = None,
    likelihood: str | None = None,
    n_show: int = 8,
) -> dict:
    """PCA, a linear AE, a non-linear AE and a VAE on the same data, for each latent size k in latent_dims.

    Reconstruction error (all methods, in the model's data space ds.x, on the training data):
        err = (1/n) sum_i ||x_i - x_hat_i||^2   (squared error summed over features, averaged over samples)
    with x_hat = PCA inverse_transform(transform(x)) (sklearn, top-k components); the linear AE
    (kind "ae", hidden (), Gaussian likelihood) trained on the centred data x - mean(x) and shifted back;
    the non-linear AE (hidden (256,)); and the VAE (hidden (256,), beta = 1) reconstructed from its posterior
    mean, x_hat = decode(mu(x)). The MLPs use `likelihood` (default ds.default_likelihood: Bernoulli for
    images). A linear AE with squared error spans the same subspace as PCA's top k components (Baldi & Hornik
    1989; Bourlard & Kamp 1988) but not with orthonormal axes, so its codes are a rotation/shear of PCA's.
    Centring first lets the comparison isolate the subspace: the decoder bias could learn the mean, but it
    would have to be trained too, which slows convergence for nothing.

    Principal angles (degrees, scipy.linalg.subspace_angles, largest first) between the column space of the
    linear AE's decoder weight W (d, k) and the span of PCA's top-k components; near 0 when training found
    the PCA subspace. Directions whose eigenvalues are nearly equal converge slowly, so small-eigengap data
    (digits) shows larger angles after a short run than data with a clear spectrum.

    Returns a dict:
        latent_dims: list[int];
        errors: {"pca", "linear_ae", "ae", "vae"} -> np.ndarray (len(latent_dims),);
        angles: list of np.ndarray (k,) per latent size, degrees;
        explained_variance_ratio: np.ndarray (max k,) of the PCA fit; total_variance: float (= error at k = 0);
        embeddings: for k = 2 (None when 2 is not in latent_dims): {"pca", "linear_ae", "ae", "vae"} ->
            (n, 2) arrays (PCA scores, linear-AE codes, AE codes, VAE posterior means);
        reconstructions: for k = 2 (or None): {"index": (n_show,) row indices, "original": (n_show, d),
            and "pca", "linear_ae", "ae", "vae": (n_show, d)}, all in model space (ds.to_data_units to undo);
        settings: the training settings used; seconds: wall time.
    on_step(i, total, label) is called before step i (0-based) of `total` with a description, and once more
    as on_step(total, total, "done"). Training uses TrainConfig(seed=seed), so results are reproducible.
    """
    from sklearn.decomposition import PCA

    from . import train

    t0 = time.perf_counter()
    if not isinstance(ds, Dataset):
        raise InputError("pca_comparison expects a vae_core Dataset; build one with data.load or data.from_array.")
    try:
        dims = [int(k) for k in latent_dims]
    except (TypeError, ValueError):
        raise InputError(f"latent_dims must be a list of whole numbers, got {latent_dims!r}.") from None
    if not dims:
        raise InputError("latent_dims is empty; give at least one latent size, e.g. (1, 2, 4).")
    max_k = min(ds.n, ds.dim)
    bad = [k for k in dims if not 1 <= k <= max_k]
    if bad:
        raise InputError(
            f"latent size(s) {', '.join(map(str, bad))} out of range; each latent size must be between "
            f"1 and {max_k} (PCA can keep at most min(samples, features) components)."
        )
    dims = sorted(set(dims))
    epochs = check_int("epochs", epochs, 1, 100_000)
    seed = check_seed(seed)
    n_show = check_int("n_show", n_show, 0, ds.n)
    lik = ds.default_likelihood if likelihood is None else likelihood
    if lik not in LIKELIHOODS:
        raise InputError(f"likelihood={lik!r} is not supported; choose one of {', '.join(LIKELIHOODS)}.")
    if lik != "gaussian" and not ds.in_unit_interval:
        raise InputError(f"the {NAMES[lik]} likelihood needs data in [0, 1]; use likelihood='gaussian' for this data.")

    x = np.array(ds.x, dtype=np.float32)  # a writable copy: registry datasets are read-only
    mean = x.mean(0)
    centred = Dataset(x=(x - mean).astype(np.float32), name=f"{ds.name} (centred)")
    pca = PCA(n_components=max(dims), svd_solver="full").fit(x)
    scores_all = pca.transform(x)

    total = 3 * len(dims)
    step = 0

    def progress(label: str) -> None:
        nonlocal step
        if on_step is not None:
            on_step(step, total, label)
        step += 1

    errors = {name: [] for name in ("pca", "linear_ae", "ae", "vae")}
    angles: list[np.ndarray] = []
    embeddings = None
    recons = None
    gen = torch.Generator().manual_seed(seed)
    show = subsample(ds.n, n_show, gen).numpy() if n_show else np.zeros(0, dtype=np.int64)
    lin_t = TrainConfig(beta=0.0, epochs=epochs, batch_size=_LINEAR_BATCH, lr=_LINEAR_LR, seed=seed)
    mlp_t = TrainConfig(beta=1.0, epochs=epochs, batch_size=_MLP_BATCH, lr=_MLP_LR, seed=seed)
    for k in dims:
        pca_rec = scores_all[:, :k] @ pca.components_[:k] + pca.mean_
        errors["pca"].append(_sq_error(pca_rec, x))

        progress(f"linear AE, latent size {k}")
        lin, _ = train.fit(
            centred,
            ModelConfig(kind="ae", input_dim=ds.dim, latent_dim=k, hidden=(), likelihood="gaussian"),
            lin_t,
            device=device,
        )
        xt = torch.tensor(centred.x, device=lin.device)
        with torch.no_grad():
            lin_codes = encode_rows(lin, xt)[0]
            lin_rec = decode_rows(lin, lin_codes).cpu().numpy() + mean
        errors["linear_ae"].append(_sq_error(lin_rec, x))
        w = lin.decoder[0].weight.detach().cpu().double().numpy()  # (d, k): nn.Linear(k, d).weight
        angles.append(_principal_angles(w, pca.components_[:k].T))

        progress(f"non-linear AE, latent size {k}")
        ae, _ = train.fit(
            ds,
            ModelConfig(kind="ae", input_dim=ds.dim, latent_dim=k, hidden=(256,), likelihood=lik),
            mlp_t.replace(beta=0.0),
            device=device,
        )
        xm = torch.tensor(x, device=ae.device)
        ae_codes = encode_rows(ae, xm)[0]
        ae_rec = decode_rows(ae, ae_codes).cpu().numpy()
        errors["ae"].append(_sq_error(ae_rec, x))

        progress(f"VAE, latent size {k}")
        vae, _ = train.fit(
            ds,
            ModelConfig(kind="vae", input_dim=ds.dim, latent_dim=k, hidden=(256,), likelihood=lik),
            mlp_t,
            device=device,
        )
        vae_mu = encode_rows(vae, xm)[0]
        vae_rec = decode_rows(vae, vae_mu).cpu().numpy()
        errors["vae"].append(_sq_error(vae_rec, x))

        if k == 2:
            embeddings = {
                "pca": scores_all[:, :2].astype(np.float32),
                "linear_ae": lin_codes.cpu().numpy(),
                "ae": ae_codes.cpu().numpy(),
                "vae": vae_mu.cpu().numpy(),
            }
            recons = {
                "index": show,
                "original": x[show],
                "pca": pca_rec[show].astype(np.float32),
                "linear_ae": lin_rec[show].astype(np.float32),
                "ae": ae_rec[show],
                "vae": vae_rec[show],
            }
    if on_step is not None:
        on_step(total, total, "done")
    return {
        "latent_dims": dims,
        "errors": {name: np.asarray(v) for name, v in errors.items()},
        "angles": angles,
        "explained_variance_ratio": pca.explained_variance_ratio_.copy(),
        "total_variance": float(((x - mean) ** 2).sum(1).mean()),
        "embeddings": embeddings,
        "reconstructions": recons,
        "settings": {
            "epochs": epochs,
            "linear": {"batch_size": _LINEAR_BATCH, "lr": _LINEAR_LR},
            "mlp": {"batch_size": _MLP_BATCH, "lr": _MLP_LR, "hidden": [256]},
            "likelihood": lik,
            "seed": seed,
        },
        "seconds": time.perf_counter() - t0,
    }


def _principal_angles(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Principal angles in degrees between span(a) and span(b), both (d, k); largest first."""
    from scipy.linalg import subspace_angles

    return np.degrees(subspace_angles(a, b))


__all__ = ["PCA_COMPARISON_EPOCHS", "pca_comparison"]
