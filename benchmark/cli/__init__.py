"""The command line: the only layer that imports click, `studies` and `reports`.

`main.py` is the click group; each subcommand is `benchmark/cli/<name>.py` exposing `command`.
"""
