"""Everything MLflow: the server and its URI, runs and parents, the offline spool, the run
logger that turns training hooks into one child run."""
