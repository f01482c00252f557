"""The pool of warm worker processes that runs every training of one server, shared by all its browser sessions.

Trainings used to run as threads of the Streamlit server and shared its GIL with every session's clicks; here
each runs in a worker process. Split at the process boundary: `pool` is the server's side (the processes, the
queue, the monitor thread), `worker` is what runs inside each process (the job loop and the tasks). No
Streamlit in either.
"""

from .pool import ENV_SIZE, MAX_WORKERS, Job, Pool, pool_size
from .worker import TASKS, WORKER_NICENESS, JobStopped

__all__ = ["ENV_SIZE", "MAX_WORKERS", "TASKS", "WORKER_NICENESS", "Job", "JobStopped", "Pool", "pool_size"]
