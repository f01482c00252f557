"""torch.distributed: `torchrun --nproc_per_node 2 -m vae_core train|sweep ... --distributed` on CPU (gloo).

Two real ranks on the digits data with a small model and few epochs: the DDP model matches a single-process
`fit` with the same global batch and seed (final ELBO within 1%, weights to float rounding), only rank 0
shows progress and writes, and a sweep spreads its betas over the ranks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from vae_core import ModelConfig, TrainConfig, checkpoints, data, distributed, train
from vae_core.cli import main

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--dataset", "digits", "--hidden", "32", "--epochs", "3", "--batch-size", "100", "--seed", "3"]


def torchrun(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    return subprocess.run(
        [*cmd, "-m", "vae_core", *args, "--distributed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def single(beta: float):
    ds = data.load("digits")
    cfg = ModelConfig(input_dim=ds.dim, hidden=(32,))
    return train.fit(ds, cfg, TrainConfig(beta=beta, epochs=3, batch_size=100, seed=3), device="cpu")


def test_shards_split_every_batch_across_ranks():
    for n in (1, 5, 100):
        idx = torch.arange(n) * 7
        parts = [distributed.shard(idx, r, 2) for r in range(2)]
        assert sorted(torch.cat(parts).tolist()) == idx.tolist()
        assert abs(len(parts[0]) - len(parts[1])) <= 1


@pytest.mark.slow
def test_ddp_on_two_ranks_matches_one_process(tmp_path):
    out = tmp_path / "ddp.safetensors"
    res = torchrun("train", *SMALL, "--beta", "0.5", "--out", str(out))
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.count("saved ") == 1 and "2 ranks" in res.stdout  # only rank 0 writes and reports
    assert "rank 0 of 2, gloo" in res.stderr and "rank 1" not in res.stderr  # one progress bar
    assert not list(tmp_path.glob(".*tmp"))  # the atomic save left no temporary file
    ddp_model, rec = checkpoints.load(out)
    assert rec["extra"]["world_size"] == 2 and rec["epochs_done"] == 3

    model, history = single(0.5)
    want = history[-1]["elbo"]
    assert abs(rec["metrics"]["elbo"] - want) <= 0.01 * abs(want)
    for p, q in zip(ddp_model.parameters(), model.parameters(), strict=True):
        torch.testing.assert_close(p, q, atol=1e-4, rtol=1e-4)  # the same steps, up to float rounding


@pytest.mark.slow
def test_sweep_spreads_betas_over_ranks(tmp_path):
    res = torchrun("sweep", *SMALL, "--betas", "0,1,4", "--out-dir", str(tmp_path), "--quiet")
    assert res.returncode == 0, res.stderr[-3000:]
    files = sorted(p.name for p in tmp_path.glob("*.safetensors"))
    assert files == ["digits-vae-beta0.safetensors", "digits-vae-beta1.safetensors", "digits-vae-beta4.safetensors"]
    for beta in (0.0, 1.0):  # betas 0 and 4 train on rank 0, beta 1 on rank 1; all return to rank 0
        _, rec = checkpoints.load(tmp_path / f"digits-vae-beta{beta:g}.safetensors")
        want = single(beta)[1][-1]["elbo"]
        assert rec["train"]["beta"] == beta
        assert abs(rec["metrics"]["elbo"] - want) <= 1e-4 * abs(want)


def test_distributed_outside_torchrun_is_a_user_error(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert main(["train", "--epochs", "1", "--distributed", "--quiet", "--out", str(tmp_path / "m.safetensors")]) == 2
    assert "torchrun --nproc_per_node" in capsys.readouterr().err
    assert not (tmp_path / "m.safetensors").exists()


@pytest.mark.parametrize("device", ["mps", "cuda"])
def test_distributed_refuses_devices_it_cannot_use(monkeypatch, device):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match="--distributed|CUDA"):
        distributed.init(device)
