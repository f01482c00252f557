"""vae_core: a small library for training, inspecting and explaining (variational) autoencoders.

Submodules: data (and files, the file loaders), model, objectives, train, distributed (DDP under torchrun),
metrics, checkpoints, align, theory, rate_distortion, posterior, estimators, pretrain, cli, drawing (a drawing
-> the model's input image), export (latent codes as CSV, images as PNG). Importing the package loads only the light
pieces (configs, datasets, errors); torch-based modules load when first imported.
"""

from .config import ModelConfig, TrainConfig
from .data import Dataset
from .errors import InputError, TrainingDiverged

__all__ = ["Dataset", "InputError", "ModelConfig", "TrainConfig", "TrainingDiverged"]
__version__ = "0.1.0"
