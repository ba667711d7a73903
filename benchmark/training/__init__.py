"""Training: the one `train_and_evaluate` path, its epoch observer, checkpoints, determinism.

Nothing here knows MLflow; callers observe training through `TrainingHooks`.
"""
