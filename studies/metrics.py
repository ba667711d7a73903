"""What a study optimises, by MLflow metric name: one definition for the objective and for the
request (which names the objectives for optuna-dashboard)."""

from benchmark.errors import ConfigError

OBJECTIVE_METRIC = "best_val_accuracy"  # maximised; per-epoch val_accuracy is what gets pruned
COST_METRICS = {"params": "params_total", "latency": "latency_batch1_ms"}  # --cost -> metric


def metric_names(multi_objective: bool, cost: str) -> tuple[str, ...]:
    if not multi_objective:
        return (OBJECTIVE_METRIC,)
    if cost not in COST_METRICS:
        raise ConfigError(f"cost: {cost!r} is not one of {', '.join(COST_METRICS)}")
    return (OBJECTIVE_METRIC, COST_METRICS[cost])
