"""`python -m benchmark` is the same as the `vitbench` console script."""

from benchmark.cli.main import main

if __name__ == "__main__":
    main()
