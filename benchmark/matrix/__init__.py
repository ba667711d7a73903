"""The benchmark matrix: the plan (cells and their hashes), one cell's run, the shared queue."""
