"""vae_core: a small library for training, inspecting and explaining (variational) autoencoders.

Submodules: data (the registry; dataset holds the Dataset type, files/ the file readers, sources what reads a
path, bytes or stream), model, densities (every log-density), objectives, train, distributed (DDP under
torchrun), metrics, pca_comparison, checkpoints, checks (scalar argument checks and the row validator),
model_checks (checks that need a model), devices, epochs (the training loop's shared parts), align, theory,
rate_distortion, posterior, information (entropy, 1-D KL, Bayes), estimators, pretrain, cli and commands,
drawing (a drawing -> the model's input image), export (latent codes as CSV, images as PNG), layouts and
arrayfiles (small numpy files). Importing the package loads only the light pieces (configs, datasets, errors);
torch-based modules load when first imported.
"""

from .config import ModelConfig, TrainConfig
from .dataset import Dataset
from .errors import InputError, TrainingDiverged

__all__ = ["Dataset", "InputError", "ModelConfig", "TrainConfig", "TrainingDiverged"]
__version__ = "0.1.0"
