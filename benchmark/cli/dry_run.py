"""`vitbench run --dry-run` and `vitbench study --dry-run`: what the command would do, read from
the stores without writing to any of them (no local store, experiment, queue or study created).

The matrix plan uses the real run's own rule (`benchmark.matrix.decision.decide`), so "skip",
"resume" and "start" here are what `vitbench run` then does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import click

from benchmark.cli.formats import print_table
from benchmark.tracking.server import redact
from reports.names import KIND, STUDY_NAME, Kind, search_key


def show_matrix_plan(
    cells: Sequence, tracking_uri: str | None, experiment: str, checkpoint_uri: str | None = None
) -> None:
    from benchmark.matrix.context import MatrixContext
    from benchmark.matrix.decision import decide
    from benchmark.matrix.plan import matrix_hash
    from benchmark.tracking.runs import open_read_only
    from benchmark.tracking.store import plan_relocation

    view = open_read_only(tracking_uri, experiment)
    if not view.store_exists:
        where = f"{redact(view.uri)} (does not exist yet: every cell would start)"
    elif view.experiment_id is None:
        where = f"{redact(view.uri)}, experiment {experiment!r} would be created"
    else:
        where = f"{redact(view.uri)}, experiment {experiment!r} (id {view.experiment_id})"
    click.echo(f"dry run: matrix {matrix_hash(cells)} of {len(cells)} cell(s); tracking {where}")
    moved = plan_relocation(view.uri)
    if moved is not None:
        click.echo(f"note: {moved.describe(done=False)} (first thing a real run does)")
    ctx = None
    if view.client is not None and view.experiment_id is not None:
        ctx = MatrixContext(view.client, view.experiment_id, view.uri, None, checkpoint_uri)
    decisions = [decide(ctx, cell) for cell in cells]
    rows = [
        {
            "n": str(i + 1),
            "model": d.cell.config.model.name,
            "seed": str(d.cell.config.seed),
            "preset": d.cell.config.preset,
            "dataset": d.cell.config.data.dataset,
            "epochs": str(d.cell.config.train.epochs),
            "config_hash": d.cell.key,
            "action": d.action,
            "detail": d.describe(),
        }
        for i, d in enumerate(decisions)
    ]
    columns = {k: k.replace("_", " ") for k in rows[0]} if rows else {}
    print_table(rows, columns, title="planned cells", numeric=("n", "seed", "epochs"))
    tally = Counter(d.action for d in decisions)
    click.echo(
        "would " + ", ".join(f"{action} {n}" for action, n in sorted(tally.items()))
        + "; nothing was written (drop --dry-run to run)"
    )  # fmt: skip


def _param_text(param) -> str:
    if param.choices:
        return f"one of {list(param.choices)}"
    kind = "integer" if param.is_int_range else "float"
    scale = ", log scale" if param.log else ""
    step = f", step {param.step}" if param.step else ""
    return f"{kind} in [{param.low}, {param.high}]{scale}{step}"


def show_study_plan(request, tracking_uri: str | None) -> None:
    from benchmark.tracking.runs import find_runs, open_read_only
    from studies.storage import read_only_storage

    s = request.settings
    objectives = ", ".join(
        f"{direction} {name}" for direction, name in zip(s.directions, s.metric_names, strict=True)
    )
    click.echo(f"dry run: study {s.study_name!r} on {redact(s.storage_url)}")
    click.echo(f"  model {request.model}, preset {request.preset.name}, seed {request.seed}, "
               f"base config hash {request.base.config_hash()}")  # fmt: skip
    pruning = "none (multi-objective)" if request.multi else s.pruner
    click.echo(f"  objectives: {objectives}; pruner {pruning}; sampler TPE seed {s.sampler_seed}")
    click.echo(f"  search space {request.space.source} ({len(request.space.params)} parameters):")
    for param in request.space.params:
        click.echo(f"    {param.name} ({param.key}): {_param_text(param)}")

    storage = read_only_storage(s.storage_url)
    frozen = None
    if storage is not None:
        frozen = next((x for x in storage.get_all_studies() if x.study_name == s.study_name), None)
    if frozen is None:
        click.echo(f"  storage: new study; would run {s.n_trials} trial(s)")
    else:
        trials = storage.get_all_trials(frozen._study_id, deepcopy=False)
        states = Counter(t.state.name for t in trials)
        counted = states.get("COMPLETE", 0) + states.get("PRUNED", 0)
        remaining = max(s.n_trials - counted, 0)
        so_far = ", ".join(f"{n} {state}" for state, n in sorted(states.items())) or "no trials"
        click.echo(f"  storage: the study exists ({so_far}); budget {s.n_trials} counts COMPLETE "
                   f"+ PRUNED -> would run {remaining} more trial(s)")  # fmt: skip
        stored = frozen.user_attrs
        differs = [k for k, v in request.identity().items() if k in stored and stored[k] != v]
        if differs:
            changed = ", ".join(differs)
            click.echo(f"  would be REFUSED: the study was started with a different {changed}; "
                       "use its original setup or a new --study-name")  # fmt: skip
    click.echo(f"  workers: {request.workers}")

    view = open_read_only(tracking_uri or request.tracking_uri, request.experiment)
    if view.experiment_id is None:
        click.echo(f"  tracking {redact(view.uri)}: experiment {request.experiment!r} and the "
                   "study's parent run would be created")  # fmt: skip
    else:
        parents = find_runs(view.client, view.experiment_id,
                            f"{search_key(KIND)} = '{Kind.STUDY}' and "
                            f"{search_key(STUDY_NAME)} = '{s.study_name}'")  # fmt: skip
        parent = (f"parent run {parents[0].info.run_id} would be reused" if parents
                  else "the study's parent run would be created")  # fmt: skip
        click.echo(f"  tracking {redact(view.uri)}, experiment {request.experiment!r}: {parent}")
    click.echo("nothing was written (drop --dry-run to run the study)")
