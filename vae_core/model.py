"""The autoencoder: an MLP encoder e(x) (or Gaussian q(z|x)) and an MLP decoder f(z), built from ModelConfig."""

from __future__ import annotations

import math

import torch
from torch import nn

from .checks import check_rows
from .config import ModelConfig
from .densities import MEAN_LINKS, log_likelihood, mean_from_raw

# log-variance is clamped so that a KL-free model (beta = 0) cannot drive sigma to exactly 0 (log 0 = -inf).
LOGVAR_MIN, LOGVAR_MAX = -18.0, 12.0
# The hidden-layer activations by name (ModelConfig.activation): the one table the torch layers, the batched
# trainer (train._Stack) and the decoder's op list (decoder_ops, which the browser's canvas executes) read.
ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "tanh": nn.Tanh}


def mlp(sizes: list[int], activation: str) -> nn.Sequential:
    """Linear layers with `activation` between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


def decoder_ops(cfg: ModelConfig) -> list[dict]:
    """The decoder of a model with this config as operations, input to output, for code that runs it outside
    torch: {"op": "linear", "param": "decoder.<i>", "in", "out"} (y = W x + b with that layer's weight (out,
    in) and bias), {"op": <an ACTIVATIONS name>} between linear layers, and last {"op": <link>}, the link from
    the raw output to the mean of p(x|z) (vae_core.densities.MEAN_LINKS: "sigmoid", "cb_mean", "identity").
    Read from the config alone (a checkpoint's header is enough): VAE builds exactly this stack."""
    _, sizes = cfg.layer_sizes()
    ops: list[dict] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        if i:
            ops.append({"op": cfg.activation})
        ops.append({"op": "linear", "param": f"decoder.{2 * i}", "in": a, "out": b})
    ops.append({"op": MEAN_LINKS[cfg.likelihood]})
    return ops


class VAE(nn.Module):
    """Autoencoder (kind "ae") or variational autoencoder (kind "vae").

    encode(x) -> (mu, logvar): mu (n, latent_dim); logvar (n, latent_dim), or None for an "ae".
    decode(z) -> the mean of p(x|z), (n, input_dim): sigmoid(logits) for Bernoulli, the continuous-Bernoulli
    mean of the logits, or f(z) for Gaussian (see vae_core.densities).
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        enc, dec = config.layer_sizes()
        self.encoder = mlp(enc, config.activation)
        self.decoder = mlp(dec, config.activation)
        # What the model was trained on and how; filled by train.fit, stored by checkpoints.save.
        self.info: dict = {}

    @property
    def is_vae(self) -> bool:
        return self.config.kind == "vae"

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def encode(self, x) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x: (n, input_dim) -> mu (n, latent_dim), logvar (n, latent_dim) or None for an AE."""
        x = check_rows("x", x, self.config.input_dim, device=self.device, allow_1d=True, stacked=True, finite=False)
        h = self.encoder(x)
        if not self.is_vae:
            return h, None
        mu, logvar = h.chunk(2, dim=-1)
        return mu, logvar.clamp(LOGVAR_MIN, LOGVAR_MAX)

    @staticmethod
    def reparameterize(
        mu: torch.Tensor,
        logvar: torch.Tensor | None,
        generator: torch.Generator | None = None,
        eps: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """z = mu + sigma * eps with eps ~ N(0, I) (Kingma & Welling 2014, sec. 2.4); the noise is an input,
        so gradients reach mu and sigma. An AE (logvar None) returns mu.

        eps: the noise itself, any shape that broadcasts against mu (e.g. (k, n, latent_dim) for k draws per
        row; training passes the noise it drew for the whole minibatch); when None it is drawn here, shaped
        like mu, from `generator` on the generator's own device (then moved to mu's)."""
        if logvar is None:
            return mu
        if eps is None:
            dev = mu.device if generator is None else generator.device
            eps = torch.randn(mu.shape, generator=generator, device=dev, dtype=mu.dtype).to(mu.device)
        return mu + torch.exp(0.5 * logvar) * eps

    def decode_raw(self, z) -> torch.Tensor:
        """Decoder output before the link: logits (both Bernoullis) or the mean f(z) (Gaussian), (n, input_dim)."""
        of, dev = "the model's latent_dim", self.device
        z = check_rows("z", z, self.config.latent_dim, of=of, device=dev, allow_1d=True, stacked=True, finite=False)
        return self.decoder(z)

    def decode(self, z) -> torch.Tensor:
        """Mean of p(x|z), shape (n, input_dim)."""
        return mean_from_raw(self.decode_raw(z), self.config.likelihood)

    def encoder_parts(self) -> dict:
        """The encoder as the tutorial draws it, read from this model's layers: g(x) = g2(g1(x)) gives mu and
        h(x) = h2(g1(x)) gives log sigma^2, with g1 the shared trunk (every layer but the last) and g2, h2 the
        two halves of the last Linear layer, which read the same trunk output with their own weights.

        Returns {"input": input_dim, "trunk": [(name, in, out) per layer, name "Linear", "ReLU" or "Tanh";
        empty for a linear model], "width": the trunk's output width, "heads": {"mu": (width, k), "logvar":
        (width, k)} for a VAE or {"z": (width, k)} for an AE, "parameters": {"trunk", "mu"/"z", "logvar"}}
        with each part's parameter count."""
        layers = list(self.encoder)
        trunk, width, n_trunk = [], self.config.input_dim, 0
        for m in layers[:-1]:
            if isinstance(m, nn.Linear):
                trunk.append(("Linear", m.in_features, m.out_features))
                width, n_trunk = m.out_features, n_trunk + m.weight.numel() + m.bias.numel()
            else:
                trunk.append((type(m).__name__, width, width))
        k = self.config.latent_dim
        head = (width, k)
        per_head = (width + 1) * k
        if self.is_vae:
            heads, params = {"mu": head, "logvar": head}, {"trunk": n_trunk, "mu": per_head, "logvar": per_head}
        else:
            heads, params = {"z": head}, {"trunk": n_trunk, "z": per_head}
        return {"input": self.config.input_dim, "trunk": trunk, "width": width, "heads": heads, "parameters": params}

    def forward(self, x, generator: torch.Generator | None = None):
        """One stochastic pass: returns (decoder raw output, mu, logvar, z)."""
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar, generator)
        return self.decode_raw(z), mu, logvar, z

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n draws of the decoded mean from z ~ N(0, I): (n, input_dim). z is drawn on the generator's own device
        (a CPU generator gives the same draws whatever device the model is on), then moved to the model's."""
        dev = self.device if generator is None else generator.device
        return self.decode(torch.randn(n, self.config.latent_dim, generator=generator, device=dev).to(self.device))

    def log_px_given_z(self, x: torch.Tensor, raw: torch.Tensor) -> torch.Tensor:
        """log p(x|z) summed over features with all constants, in nats: (..., n) from x (n, d), raw (..., n, d).

        Formulas in vae_core.densities.log_likelihood (Bernoulli, continuous Bernoulli, Gaussian N(raw, c I)).
        """
        return log_likelihood(x, raw, self.config.likelihood, self.config.obs_var)


def init_parameters(model: nn.Module, generator: torch.Generator) -> None:
    """PyTorch's default Linear initialisation, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from `generator`
    so that a seed alone decides the start (no global RNG: sessions run as threads in one process)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                bound = 1.0 / math.sqrt(m.in_features)
                m.weight.uniform_(-bound, bound, generator=generator)
                m.bias.uniform_(-bound, bound, generator=generator)


def empty(cfg: ModelConfig) -> VAE:
    """A VAE with memory for its weights but no values in it, built without drawing from torch's global RNG
    (nn.Linear's own initialisation would): for loading weights into, or for init_parameters to fill."""
    with torch.device("meta"):
        model = VAE(cfg)
    return model.to_empty(device="cpu")
