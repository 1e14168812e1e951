"""Graphs run node by node (bot/rasa_server/graph_runner.py) give what dask's scheduler gives."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.engine.exceptions import GraphComponentException, GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage

from bot.rasa_server.channels.rest import RestInput
from bot.rasa_server.graph_runner import run_in_order
from tests.support.channels import StubBot, serve_channel

DASK_RUN = DaskGraphRunner.run


class Add(GraphComponent):
    """Its config's `value` plus its inputs; records each call, and fails on a negative sum."""

    calls: list[str] = []

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> Add:
        return cls(config)

    def add(self, **inputs: int) -> int:
        Add.calls.append(self.config["name"])
        total = self.config["value"] + sum(inputs.values())
        if total < 0:
            raise ValueError("negative")
        return total


def node(name: str, value: int, target: bool = False, **needs: str) -> SchemaNode:
    return SchemaNode(
        needs=needs,
        uses=Add,
        fn="add",
        constructor_name="create",
        config={"name": name, "value": value},
        is_target=target,
    )


# a feeds b and c, b feeds c; d needs a but no target needs d.
SCHEMA = GraphSchema(
    {
        "a": node("a", 1, x="__x__"),
        "b": node("b", 10, a="a"),
        "c": node("c", 100, target=True, a="a", b="b"),
        "d": node("d", 1000, a="a"),
    }
)


@pytest.fixture
def runner(tmp_path) -> DaskGraphRunner:
    Add.calls.clear()
    return DaskGraphRunner(SCHEMA, LocalModelStorage(tmp_path), ExecutionContext(SCHEMA, "test"))


@pytest.mark.parametrize(
    ("inputs", "targets"), [({"__x__": 5}, None), ({"__x__": 5}, ["c", "d"]), ({"__x__": 0}, ["b"])]
)
def test_same_outputs_and_calls_as_dask(runner, inputs, targets):
    by_dask = DASK_RUN(runner, inputs, targets)
    dask_calls = sorted(Add.calls)
    Add.calls.clear()
    assert run_in_order(runner, inputs, targets) == by_dask
    assert sorted(Add.calls) == dask_calls
    assert len(Add.calls) == len(set(Add.calls))  # every node once, however many need it
    assert ("d" in Add.calls) == ("d" in (targets or []))  # only what the targets need


def test_outputs_are_named_as_under_dask(runner):
    # a = 1+5, b = 10+6, c = 100+6+16
    assert run_in_order(runner, {"__x__": 5}) == {"c": 122}
    assert run_in_order(runner, {"__x__": 5}, ["a", "b"]) == {"a": 6, "b": 16}


def test_a_failing_node_fails_the_run_as_under_dask(runner):
    for run in (DASK_RUN, run_in_order):
        with pytest.raises(GraphComponentException):
            run(runner, {"__x__": -100})


def test_a_missing_input_is_an_error(runner):
    with pytest.raises(GraphRunError, match="__x__"):
        run_in_order(runner, {})


async def test_the_rasa_servers_channels_take_the_step_at_start(monkeypatch):
    monkeypatch.setattr(DaskGraphRunner, "run", DASK_RUN)
    async with serve_channel(RestInput(), StubBot()):
        assert DaskGraphRunner.run is run_in_order
