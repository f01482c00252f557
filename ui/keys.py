"""Every session-state key the app reads or writes by name, in one place.

Streamlit keeps a browser session's state in `st.session_state`, a dict keyed by strings; a widget created
with `key=K` keeps its value there too. A typo in a key is a silent bug (a fresh default instead of the value),
so ui/ and app_pages/ never spell a key twice: they use these names. Widgets whose value is only read through
the widget call itself keep their literal `key=` (they are not read by name anywhere else).

The values are stable strings: tests drive AppTest through them (`at.session_state[keys.MODEL]`).
"""

# ---- the sidebar (ui.state.sidebar) and the selection every page reads
SELECTION = "_selection"  # ui.state.Selection of this run, set by app.py
DATASET = "sel_dataset"  # the Dataset box
MODEL = "sel_model"  # the Model box (a label of ui.state.model_choices)
DEVICE = "sel_device"  # the Device radio
PENDING_DATASET = "pending_dataset"  # a page picked a data set: the sidebar applies it on the next run
PENDING_MODEL = "pending_model"  # a page trained or uploaded a model (its session name): same

# ---- what this browser session owns
MY_MODELS = "my_models"  # name -> {"model", "dataset", "beta", "source"} (ui.state.session_models)
MY_DATASETS = "my_datasets"  # name -> Dataset
MY_DRAWING = "my_drawing"  # the explorer's drawing {"dataset", "x"}, for the ELBO page
TRAINING_OWNER = "_training_owner"  # this session's id for the worker pool

# ---- shareable links (ui.links)
LINK_RESTORED = "_link_restored"  # the URL was read on this session's first run
LINK_VIEW = "_link_view"  # the link's beta, kl and z (ui.share.LinkView) until the explorer takes them
LINK_NOTES = "_link_notes"  # what was wrong with the link, shown once

# ---- the latent explorer
EXPLORER_VIEW = "ex_view"  # ui.view.View: what the explorer shows (one owner: ui.view)
EX_PATH = "ex_path"  # the interpolation path drawn on the canvas, or None
EX_JOB = "ex_job"  # the "Train at a beta" job
EX_RD_RESULT = "ex_rd_res"  # the rate-distortion panel's last computed curve
CANVAS = "_latent_canvas"  # prefix of the canvas widget's own state (ui.canvas.widget)
CANVAS_SENT = CANVAS + ":sent"  # content hashes this browser session has received (ui.canvas.payload)

# ---- other pages
TRAIN_JOB = "train_job"  # the Train page's job
TRAIN_FOR = "tr_for"  # the data set the Train page's settings were made for
TRAIN_OBS_VAR = "tr_c"  # the Train page's Gaussian variance box
TRAIN_KIND, TRAIN_LATENT, TRAIN_HIDDEN, TRAIN_LIKELIHOOD = "tr_kind", "tr_latent", "tr_hidden", "tr_lik"  # its boxes
TRAIN_BETA, TRAIN_GRID, TRAIN_EPOCHS, TRAIN_LR = "tr_beta", "tr_grid", "tr_epochs", "tr_lr"
TRAIN_BATCH, TRAIN_SEED = "tr_batch", "tr_seed"
TRAIN_PENDING = "tr_pending"  # a loaded checkpoint's settings for those boxes, set at the start of the next run
CKPT_LOADED = "ckpt_loaded"  # (file name, size, what was loaded) of the last good checkpoint upload
DATA_UPLOADER = "train_data_upload"  # the data file box; a suffix (DATA_UPLOADER_GEN) empties it
DATA_UPLOADER_GEN = "tr_data_gen"  # bumped when a checkpoint of other data is loaded: the data box empties
DATA_UPLOADED = "tr_data_uploaded"  # the data set the data box's file became
DATA_LOADING = "tr_data_loading"  # (file name, size) while a data file loads; left set when a click cut it short
DATA_READINGS = "my_data_readings"  # name -> how an uploaded table is read (ui.uploads.Reading) and its values
UPLOAD_ERROR = "upload_error"  # (uploader key, message) of the last refused upload
PCA_JOB = "pca_job"  # the PCA page's job
PCA_FOR = "pca_key"  # the settings the PCA page's job was started for
ELBO_BOUNDS = "elbo_bounds"  # the ELBO page's q(z|x) slider ranges
ELBO_BEST = "elbo_best"  # the best q(z|x) found for the ELBO page's input
ELBO_TRIES = "elbo_tries"  # the table of q(z|x) the student tried
ELBO_FOR = "elbo_for"  # the (input, model) the ELBO page's sliders were set for


def elbo_mean(j: int) -> str:
    """The ELBO page's slider for the mean of q(z|x) in latent dimension j (0-based)."""
    return f"elbo_m{j + 1}"


def elbo_log_sigma(j: int) -> str:
    """The ELBO page's slider for log sigma of q(z|x) in latent dimension j (0-based)."""
    return f"elbo_ls{j + 1}"


def seen_upload(uploader: str) -> str:
    """(name, size) of the file an uploader last handed over, so a rerun does not load it again."""
    return f"{uploader}:seen"


def saved_drawing(pad: str) -> str:
    """A drawing pad's strokes, kept across reruns."""
    return f"{pad}:saved"


def curves_figure(job_key: str) -> str:
    """A job's cached loss-curve figure."""
    return f"{job_key}:curves_fig"


def reading_label(name: str) -> str:
    """The Train page's "last column is a label" box for an uploaded table."""
    return f"rd_label:{name}"


def reading_shape(name: str) -> str:
    """The Train page's "rows are" (points or h x w images) box for an uploaded table."""
    return f"rd_shape:{name}"


def canvas_state(canvas: str) -> str:
    """A latent canvas's own state (its last event, what the browser sent since the last run)."""
    return f"{CANVAS}:{canvas}"
