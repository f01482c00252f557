"""Small files of numpy arrays with a JSON header (safetensors; nothing is pickled): the encoded layouts and the
shipped classifiers are written and read here. Writes are atomic (a temporary file, then a rename).
safetensors is imported inside the functions: reading a layout must not load torch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .errors import InputError


def write(path, arrays: dict, key: str, meta: dict) -> Path:
    """Write arrays (name -> numpy array) with meta as JSON under the header key `key`. Returns the path."""
    from safetensors.numpy import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(tmp), metadata={key: json.dumps(meta)})
    tmp.replace(path)
    return path


def read(path, key: str, what: str) -> tuple[dict, dict]:
    """(meta, arrays) of a file `write` made with this key; InputError "{path} is not a {what}: ..." otherwise."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), "np") as f:
            meta = json.loads((f.metadata() or {})[key])
            arrays = {k: f.get_tensor(k) for k in f.keys()}
    except (OSError, KeyError, ValueError, SafetensorError) as e:
        raise InputError(f"{path} is not a {what}: {e}") from None
    if not isinstance(meta, dict):
        raise InputError(f"{path} is not a {what}: its header is not a JSON object.")
    return meta, arrays
