"""Faults: a process killed with SIGKILL while saving leaves the previous checkpoint intact, and a training run
that diverges (NaN/Inf loss) raises TrainingDiverged and, through the CLI, exits 2 and writes nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from vae_core import InputError, ModelConfig, TrainConfig, TrainingDiverged, checkpoints, data, train
from vae_core.model import VAE, init_parameters

ROOT = Path(__file__).resolve().parents[1]
SMALL = ModelConfig(kind="vae", input_dim=16, latent_dim=2, hidden=(8,))
# ~1.3 M parameters, a ~5 MB file: big enough that a kill often lands inside serialization, write or fsync.
LARGE = ModelConfig(kind="vae", input_dim=784, latent_dim=2, hidden=(512, 512))

SAVER = textwrap.dedent("""
    import sys, torch
    from vae_core import ModelConfig, checkpoints
    from vae_core.model import VAE, init_parameters

    def build(cfg, seed):
        m = VAE(ModelConfig.from_dict(cfg))
        init_parameters(m, torch.Generator().manual_seed(seed))
        return m

    path = sys.argv[1]
    small, large = build({small}, 1), build({large}, 2)
    checkpoints.save(small, path, meta={{"version": "small"}})
    print("ready", flush=True)
    i = 0
    while True:
        checkpoints.save(large, path, meta={{"version": "large"}})
        i += 1
        print("saved", i, flush=True)
""")


def _build(cfg: ModelConfig, seed: int) -> VAE:
    model = VAE(cfg)
    init_parameters(model, torch.Generator().manual_seed(seed))
    return model


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


@pytest.mark.slow
def test_sigkill_while_saving_keeps_a_valid_checkpoint(tmp_path):
    expected = {"small": _build(SMALL, 1), "large": _build(LARGE, 2)}
    script = SAVER.format(small=SMALL.to_dict(), large=LARGE.to_dict())
    path = tmp_path / "model.safetensors"
    rng = random.Random(1234)
    seen = set()
    for trial in range(4):
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(path)],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
            # Random moment: often mid-way through the first save of the large model, sometimes later.
            time.sleep(rng.uniform(0.0, 0.4))
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL

        model, rec = checkpoints.load(path)  # never torn: either the old file or a complete new one
        version = rec["extra"]["version"]
        seen.add(version)
        want = expected[version]
        assert model.config == want.config
        for name, t in want.state_dict().items():
            assert torch.equal(model.state_dict()[name], t), (trial, name)
        path.unlink()  # next trial starts from the small model again

    # Leftover temporary files (".model.safetensors.<random>.tmp") may exist after a kill; they are never read
    # by load (it opens exactly the path it is given) and a *.safetensors glob does not match them.
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert all(n.startswith(".model.safetensors.") and n.endswith(".tmp") for n in leftovers), leftovers
    assert list(tmp_path.glob("*.safetensors")) == []
    # Saving again works beside the leftovers, and loading gets the new file.
    checkpoints.save(expected["small"], path, meta={"version": "after"})
    assert checkpoints.load(path)[1]["extra"]["version"] == "after"
    assert seen <= {"small", "large"}


def test_failed_save_leaves_previous_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    small = _build(SMALL, 1)
    checkpoints.save(small, path, meta={"version": "old"})
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="No space left"):
        checkpoints.save(_build(SMALL, 2), path, meta={"version": "new"})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]


# ---- divergence ----


def test_fit_raises_training_diverged_and_returns_nothing():
    ds = data.load("moons")
    cfg = ModelConfig(
        kind="vae", input_dim=ds.dim, latent_dim=2, hidden=(256, 256, 256, 256), likelihood="gaussian", obs_var=1e-6
    )
    with pytest.raises(TrainingDiverged, match="diverged in epoch 1.*smaller learning rate") as info:
        train.fit(ds, cfg, TrainConfig(epochs=3, lr=100.0), device="cpu")
    assert isinstance(info.value, InputError)


def test_fit_refuses_nan_data():
    x = np.ones((10, 3))
    x[3, 1] = np.nan
    with pytest.raises(InputError, match="NaN or infinite"):
        data.from_array(x)


@pytest.mark.slow
def test_cli_train_that_diverges_exits_2_and_saves_nothing(tmp_path):
    out = tmp_path / "diverged.safetensors"
    cmd = [
        sys.executable,
        "-m",
        "vae_core",
        "train",
        "--dataset",
        "moons",
        "--hidden",
        "256",
        "256",
        "256",
        "256",
        "--likelihood",
        "gaussian",
        "--obs-var",
        "1e-6",
        "--lr",
        "100",
        "--epochs",
        "3",
        "--device",
        "cpu",
        "--threads",
        "1",
        "--quiet",
        "--out",
        str(out),
    ]
    res = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert res.returncode == 2, res.stderr
    assert "diverged" in res.stderr and "smaller learning rate" in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
