"""Running vitbench workers on a cluster scheduler (Slurm job arrays), without click."""
