"""Where models train and decode: the devices this machine has, and the choice "auto" makes.

torch is imported inside the functions: the app's sidebar lists devices on its first paint, before anything
else needs torch (see tests/test_repo.py's light-import test)."""

from __future__ import annotations

from .errors import InputError


def available_devices() -> list[str]:
    """Devices this machine can train and decode on, best first."""
    import torch

    out = []
    if torch.cuda.is_available():
        out.append("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        out.append("mps")
    return out + ["cpu"]


def pick_device(device="auto"):
    """ "auto" picks CUDA, then MPS, then CPU; an explicit device must exist here. Returns a torch.device."""
    import torch

    name = str(device)
    if name == "auto":
        return torch.device(available_devices()[0])
    base = name.split(":")[0]
    if base not in ("cpu", "cuda", "mps"):
        raise InputError(f"unknown device {name!r}; use 'auto', 'cpu', 'cuda' or 'mps'.")
    if base not in available_devices():
        raise InputError(
            f"device {name!r} is not available on this machine; available: {', '.join(available_devices())}."
        )
    return torch.device(name)


__all__ = ["available_devices", "pick_device"]
