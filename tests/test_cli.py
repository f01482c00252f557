"""The command line: train + info through a real `python -m vae_core` process, sweep, argument errors (exit 2,
a message, no traceback) and the pretrain recipes (deterministic, named as documented, described in headers)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from vae_core import InputError, checkpoints, cli, pretrain

ROOT = Path(__file__).resolve().parents[1]
QUICK = ["--epochs", "2", "--device", "cpu", "--threads", "1", "--quiet"]


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    """`--threads` and the determinism test change torch's global thread count; put it back afterwards."""
    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)


def _run(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "vae_core", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.slow
def test_train_then_info_in_a_real_process(tmp_path):
    out = tmp_path / "nested" / "tiny.safetensors"
    res = _run(
        "train",
        "--dataset",
        "digits",
        "--kind",
        "vae",
        "--latent",
        "3",
        "--hidden",
        "32,16",
        "--beta",
        "0.5",
        "--batch-size",
        "256",
        "--lr",
        "0.003",
        "--seed",
        "7",
        *QUICK,
        "--out",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    assert f"saved {out}" in res.stdout
    model, rec = checkpoints.load(out)
    assert rec["model"] == {
        "kind": "vae",
        "input_dim": 64,
        "latent_dim": 3,
        "hidden": [32, 16],
        "likelihood": "bernoulli",
        "obs_var": 1.0,
        "activation": "relu",
    }
    assert rec["train"] == {"beta": 0.5, "epochs": 2, "batch_size": 256, "lr": 0.003, "seed": 7}
    assert rec["dataset"]["name"] == "digits" and rec["epochs_done"] == 2

    res = _run("info", str(out))
    assert res.returncode == 0, res.stderr
    for text in (
        "kind=vae",
        "input_dim=64",
        "latent_dim=3",
        "hidden=[32, 16]",
        "likelihood=bernoulli",
        "beta=0.5",
        "batch_size=256",
        "seed=7",
        "epochs_done=2",
        "digits (1797 samples x 64 features",
        f"ELBO {rec['metrics']['elbo']:.3f}",
    ):
        assert text in res.stdout, (text, res.stdout)


def test_train_shows_progress_and_linear_gaussian_model(tmp_path, capsys):
    out = tmp_path / "linear.safetensors"
    assert (
        cli.main(
            [
                "train",
                "--dataset",
                "moons",
                "--kind",
                "ae",
                "--hidden",
                "none",
                "--epochs",
                "2",
                "--device",
                "cpu",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "train moons" in err and "2/2" in err and "elbo=" in err  # the tqdm bar with loss/elbo
    model, rec = checkpoints.load(out)
    assert rec["model"]["hidden"] == [] and rec["model"]["kind"] == "ae"
    assert rec["model"]["likelihood"] == "gaussian"  # moons is standardized: the default follows the data


def test_train_continuous_bernoulli_in_a_real_process(tmp_path):
    # The likelihood choices come from the config's Literal type: the continuous Bernoulli is one of them.
    out = tmp_path / "cb.safetensors"
    done = _run("train", "--likelihood", "continuous_bernoulli", "--out", str(out), *QUICK)
    assert done.returncode == 0, done.stderr
    model, rec = checkpoints.load(out)
    assert rec["model"]["likelihood"] == "continuous_bernoulli" and model.config.likelihood == "continuous_bernoulli"
    assert rec["epochs_done"] == 2 and rec["metrics"]["elbo"] > 0  # a density on [0, 1]: positive on these digits


def test_option_choices_come_from_the_library():
    from typing import get_args

    from vae_core import data
    from vae_core.config import Activation, Kind, Likelihood

    train = next(a for a in cli.build_parser()._subparsers._group_actions[0].choices.values())
    options = {a.dest: a for a in train._actions}
    assert tuple(options["likelihood"].choices) == get_args(Likelihood)
    assert tuple(options["kind"].choices) == get_args(Kind)
    assert tuple(options["activation"].choices) == get_args(Activation)
    assert all(name in options["dataset"].help for name in data.names())


@pytest.mark.parametrize(
    ("tokens", "want"),
    [
        (["256"], (256,)),
        (["256", "128"], (256, 128)),
        (["256,128"], (256, 128)),
        (["64, 32", "16"], (64, 32, 16)),
        (["none"], ()),
        (["None"], ()),
        ([""], ()),
    ],
)
def test_parse_hidden(tokens, want):
    assert cli.parse_hidden(tokens) == want


def test_sweep_writes_one_file_per_beta(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert (
        cli.main(
            [
                "sweep",
                "--dataset",
                "digits",
                "--betas",
                "0,0.5",
                "1",
                "4",
                "--hidden",
                "16",
                *QUICK,
                "--out-dir",
                str(out),
            ]
        )
        == 0
    )
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"digits-vae-beta{b}.safetensors" for b in ("0", "0.5", "1", "4"))
    for b in (0.0, 0.5, 1.0, 4.0):
        _, rec = checkpoints.load(out / f"digits-vae-beta{b:g}.safetensors")
        assert rec["train"]["beta"] == b and rec["model"]["hidden"] == [16]
    assert capsys.readouterr().out.count("saved ") == 4


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--dataset", "nope", "--out", "x.safetensors"], "neither a built-in dataset"),
        (["train", "--hidden", "12,x", "--out", "x.safetensors"], "--hidden must be whole numbers"),
        (["train", "--latent", "0", "--out", "x.safetensors"], "latent_dim=0 is out of range"),
        (["train", "--hidden", "99999", "--out", "x.safetensors"], r"hidden\[0\]=99999 is out of range"),
        (["train", "--epochs", "0", "--out", "x.safetensors"], "epochs=0 is out of range"),
        (["train", "--lr", "-1", "--out", "x.safetensors"], "lr=-1.0 is out of range"),
        (
            ["train", "--obs-var", "0", "--likelihood", "gaussian", "--out", "x.safetensors"],
            "obs_var=0.0 is out of range",
        ),
        (
            ["train", "--dataset", "moons", "--likelihood", "bernoulli", "--out", "x.safetensors"],
            "Bernoulli likelihood",
        ),
        (["train", "--device", "tpu", "--out", "x.safetensors"], "unknown device 'tpu'"),
        (["train", "--threads", "0", "--out", "x.safetensors"], "--threads must be at least 1"),
        (["sweep", "--betas", "0", "1", "1", "--out-dir", "d"], "beta 1 is listed twice"),
        (["sweep", "--betas", "0,-1", "--out-dir", "d"], "beta=-1.0 is out of range"),
        (["sweep", "--betas", "a,b", "--out-dir", "d"], "--betas must be numbers"),
        (["sweep", "--betas", ",", "--out-dir", "d"], "--betas needs at least one value"),
        (["sweep", "--kind", "ae", "--betas", "0,1", "--out-dir", "d"], "needs --kind vae"),
        (["info", "missing.safetensors"], "does not exist"),
        (["train", "--out", "."], "is a folder"),
    ],
)
def test_user_errors_exit_2_with_a_message(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    last = err.strip().splitlines()[-1]  # a progress bar may have been drawn before a late error
    assert last.startswith("error: ") and re.search(message, last), err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(
    "argv",
    [
        ["train"],  # --out is required
        ["train", "--kind", "gan", "--out", "x.safetensors"],
        ["train", "--epochs", "ten", "--out", "x.safetensors"],
        ["pretrain", "--only", "cifar"],
        ["frobnicate"],
        [],
    ],
)
def test_argparse_errors_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.slow
def test_info_on_a_pickle_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "model.safetensors"
    torch.save({"w": torch.zeros(3)}, bad)
    res = _run("info", str(bad))
    assert res.returncode == 2
    assert res.stderr.startswith("error: ") and "not a vae_core checkpoint" in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""


# ---- pretrain ----


def test_recipes_cover_the_documented_files():
    files = [f for r in pretrain.RECIPES for f in r.filenames()]
    assert len(files) == len(set(files))
    for name in ("digits", "mnist"):
        for b in ("0", "0.5", "1", "4"):
            assert f"{name}-vae-beta{b}.safetensors" in files
        assert f"{name}-ae.safetensors" in files
    assert {"swiss_roll-vae-beta1.safetensors", "swiss_roll-ae.safetensors"} <= set(files)
    # A real log-likelihood per image dataset: the continuous Bernoulli on grey levels, the Bernoulli on 0/1.
    for name in ("digits", "mnist"):
        assert {f"{name}-vae-cb-beta1.safetensors", f"{name}_binarized-vae-beta1.safetensors"} <= set(files)
    with pytest.raises(InputError, match="no pretrain recipe for dataset 'cifar'"):
        pretrain.recipes_for("cifar")


def test_pretrain_recipe_is_deterministic(tmp_path):
    torch.set_num_threads(1)  # one thread: the same reduction order in both runs
    recipe = next(r for r in pretrain.RECIPES if r.name == "digits-vae")
    a = pretrain.run_recipe(recipe, tmp_path / "a", epochs=2)
    b = pretrain.run_recipe(recipe, tmp_path / "b", epochs=2)
    assert [p.name for p in a] == recipe.filenames() == [p.name for p in b]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    model, rec = checkpoints.load(a[4])
    assert rec["extra"]["recipe"] == "digits-vae" and rec["train"]["beta"] == 1.0
    assert set(rec["extra"]["eval"]) >= {"elbo", "recon", "kl", "active_units"}
    # Different betas really are different models.
    assert a[0].read_bytes() != a[-1].read_bytes()


def test_pretrain_cli_and_shipped_table(tmp_path, capsys):
    out = tmp_path / "models"
    assert (
        cli.main(["pretrain", "--only", "digits", "--epochs", "1", "--threads", "1", "--quiet", "--out-dir", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    digits = [r for r in pretrain.RECIPES if r.dataset == "digits"]
    files = sorted(f for r in digits for f in r.filenames())
    assert sorted(p.name for p in out.glob("*.safetensors")) == files
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["layouts"]
    rows = pretrain.shipped_table(out)
    assert sorted(r["file"] for r in rows) == files
    vae_rows = [r for r in rows if r["kind"] == "vae"]
    assert [r["beta"] for r in vae_rows] == sorted(r["beta"] for r in vae_rows)  # sorted by beta
    for r in rows:
        assert r["data"] == "digits" and r["file"] in printed
        assert isinstance(r["recon"], float)
        if r["likelihood"] == "bernoulli":  # a continuous-Bernoulli density can exceed 1: its recon can be < 0
            assert r["recon"] > 0 and r["cross_entropy"] is True  # digits are grey levels
        if r["kind"] == "vae":
            assert r["elbo"] == pytest.approx(-(r["recon"] + r["kl"]))
            assert 0 <= r["active_units"] <= r["latent_dim"]
        else:
            assert r["beta"] is None and r["elbo"] is None and r["active_units"] is None
    (out / "stray.safetensors").write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="stray.safetensors"):
        pretrain.shipped_table(out)
    with pytest.raises(InputError, match="does not exist"):
        pretrain.shipped_table(tmp_path / "nowhere")


def test_pretrain_rebuilds_the_layouts(tmp_path):
    # A layout made for an older checkpoint is ignored by the explorer, so pretrain must leave fresh ones.
    from vae_core import layouts

    assert cli.main(["pretrain", "--only", "swiss_roll", "--out-dir", str(tmp_path), "--epochs", "1", "--quiet"]) == 0
    vaes = [p for p in tmp_path.glob("*.safetensors") if checkpoints.read_meta(p)["model"]["kind"] == "vae"]
    assert vaes
    for ck in vaes:
        assert layouts.load(ck) is not None, f"no current layout for {ck.name}"
