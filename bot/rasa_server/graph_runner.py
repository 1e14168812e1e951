"""Rasa's prediction graphs run node by node, without dask's scheduler.

Every message's NLU and every policy prediction is a run of a small graph through
`DaskGraphRunner.run`, which hands it to dask's synchronous scheduler (`dask.get`): for each
run dask orders the tasks and keeps their state and callbacks, about 0.6 ms a parse and
0.1 ms a prediction here, some 5% of a turn. The scheduler is synchronous anyway, so
calling each node once, after the nodes it needs, gives the same outputs from the same calls.
The training graph is left to dask (`rasa train` does not take this step).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner


def run_in_order(
    self: DaskGraphRunner, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
) -> dict[str, Any]:
    """`DaskGraphRunner.run`: the minimal graph for `targets` (default: the schema's), each node
    called once with its needs' outputs; inputs and outputs are (name, value) pairs, as under dask."""
    run_targets = targets or self._graph_schema.target_names
    schema = self._graph_schema.minimal_graph_schema(run_targets)
    outputs = {name: (name, value) for name, value in (inputs or {}).items()}

    def output(name: str) -> tuple[str, Any]:
        if name not in outputs:
            if name not in schema.nodes:
                raise GraphRunError(f"Nothing named '{name}' among the graph's inputs and nodes.")
            needs = schema.nodes[name].needs.values()
            outputs[name] = self._instantiated_nodes[name](*(output(need) for need in needs))
        return outputs[name]

    try:
        return dict(output(target) for target in run_targets)
    except RuntimeError as error:  # as DaskGraphRunner.run reports it
        raise GraphRunError("Error running runner.") from error


def run_graphs_in_order() -> None:
    """Start-up step of the Rasa server: predictions run their graphs with `run_in_order`."""
    DaskGraphRunner.run = run_in_order
