"""`vitbench perf`: throughput, overhead, MFU and report-time figures measured in one process.

Every figure comes from the project's own code paths (`train_and_evaluate`, `build_classifier`,
`compile_model`, `build_report`); variants are alternated (A B A B ...) so machine drift hits
all of them alike, and the table reports medians over repeats.
"""
