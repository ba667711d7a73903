"""Optuna studies over the benchmark's models: search spaces as data, one objective that reuses
`benchmark.training.train_and_evaluate` and `benchmark.cell.RunLogger`, a study runner that
many workers can share, export of the best trial as a preset."""
