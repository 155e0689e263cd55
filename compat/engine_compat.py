#!/usr/bin/env python3
"""Cross-check of our flow engine (`selinon-migrate execute`) against Selinon 1.4.0's executor.

Selinon ships an in-process executor (``selinon.executor.Executor``, what ``selinon-cli execute``
runs): Celery is mocked, every task, dispatcher run and retry goes through one time-ordered queue,
and tasks are the Python classes of each task's ``import``. For every case below this script runs
one flow to its end twice under the same *outcome table* (per task: the outcome of each successive
run - success with a given JSON result, or an exception -, the flow's ``node_args``, and the items
each ``foreach`` function returns):

* Selinon's executor, with the task classes, ``foreach`` functions and storages replaced by ones
  that obey the table (a module ``xcheck_tasks`` put into ``sys.modules``; every storage becomes
  Selinon's own ``InMemoryStorage``), and
* ``selinon-migrate execute FLOW --outcomes TABLE --format json`` on the unmodified configuration,

and compares (1) the multiset of node runs - (flow it ran in, node, task or flow, status), status
``succeeded``, ``failed`` or ``retried`` (a task attempt retried by its ``max_retry``, a flow
attempt restarted by its own), sub-flows and fallbacks included -, (2) the executed flow's final
status, and (3) the order of those node runs (our execution claims the executor's order).

What is changed in Selinon's copy of a configuration, and why: sampling strategies become
``constant`` with ``retry: 0``, every ``retry_countdown`` 0 and ``throttling`` is dropped (they only
delay work, in real time: the executor sleeps); the executor's clock is replaced by a virtual one
that advances one microsecond per reading, so equal timestamps cannot make its heap order
arbitrary and nothing sleeps; ``trace`` and ``migration_dir`` are dropped from ``global``, and
``output_schema`` and ``selective_run_function`` from tasks. The executor's
``simulate_apply_async`` assigns ``Task.request``, which Celery 5 (installed with Selinon 1.4.0
today) made read-only, so the same function with ``push_request`` replaces it. The executor gives a task the id ``str(id(instance))``; ids of
instances that were garbage-collected are reused, which would make a new task look finished (and
trip ``InMemoryStorage``'s unique-id assertion), so this script keeps every scheduled instance
alive for the duration of a case.

Cases: the example configurations ``examples/package-analysis/v1 … v4``, every flow of each, under
one table where every task succeeds and ``--example-tables`` (default 12) seeded random tables; and
``--configs`` (default 300) seeded random configurations, each run under ``--tables`` (default 2)
random tables. Random configurations are acyclic and use: several starting edges, multi-source
edges (Cartesian firing over several instances), conditions of Selinon's built-in predicates on
results (bound implicitly or with ``node``) and on ``node_args``, with ``and``/``or``/``not``;
``foreach`` (also ``propagate_result`` into sub-flows), sub-flows (``propagate_node_args``),
``nowait``, ``eager_failures``, failures with fallbacks (several nodes; several entries for the same
nodes, with conditions on ``node_args``), ``node_args_from_first``, tasks with ``storage_readonly`` (none
that a condition reads; often the first task of a ``node_args_from_first`` flow), and task and flow
``max_retry``. Random tables fail tasks, sometimes only on some runs.

URL predicates (``fieldUrlScheme``, ``fieldUrlNetloc``, ``fieldUrlPath`` and their ``args`` forms):
``--url-checks`` (default 600) conditions on fixed and seeded random URL-like strings, run through
our ``execute`` in one flow (one edge per check, from a task whose result, like ``node_args``, holds
the strings) and compared with Selinon's predicate functions called on the same values. Strings
with a bracketed host (``http://[::1]/``) are left out: Python's check of it varies between versions
and ours leaves it undecided.

Not covered: ``selective`` runs, custom predicates and ``httpStatus``, ``propagate_parent`` and
``propagate_finished`` (they change what tasks receive, not what runs), storage errors and
result-backend outages, and the timing that countdowns and sampling strategies create in a real
deployment (both sides run everything as soon as it is scheduled).

A difference is only accepted when it is attributed to a documented reason; there is none at
present, so every difference is printed with its configuration, table and both runs, and the
script exits 1.

Usage (from the repository root, with the Selinon venv's python):
    python compat/engine_compat.py --binary .build/debug/selinon-migrate [--configs N] [--seed S]
``--binary`` defaults to $SELINON_MIGRATE_BINARY, else .build/debug/selinon-migrate.
"""

import argparse
import contextlib
import copy
import datetime
import io
import json
import logging
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import types
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE_DIR = os.path.join(REPO_ROOT, "examples", "package-analysis")
DEFAULT_SEED = 9
DEFAULT_CONFIGS = 300
DEFAULT_TABLES = 2
DEFAULT_EXAMPLE_TABLES = 12
VALUE_POOL = [0, 1, 2, 2.0, True, False, None, "", "s3", "s3://bucket/key", "https://host/path", [], [1], [1, 2],
              {"a": 1}]


# ================================================================================================
# Selinon's executor, instrumented
# ================================================================================================

class FailedByTable(Exception):
    """What a task raises when the outcome table says it fails."""


class SelinonRunner:
    """Runs one flow in Selinon's executor under an outcome table; records every node run."""

    def __init__(self):
        # pylint: disable=import-outside-toplevel
        from selinon import SelinonTask
        from selinon.executor import executor as executor_module
        from selinon.executor.progress import Progress
        from selinon.trace import Trace

        self.table = {}
        self.runs = {}
        self.log = []
        self.alive = []
        self.foreach_keys = {}
        runner = self

        def run_task(task, node_args):  # noqa: ARG001  pylint: disable=unused-argument
            instance = runner.runs.get(task.task_name, 0)
            runner.runs[task.task_name] = instance + 1
            outcomes = runner.table.get("tasks", {}).get(task.task_name, {"result": None})
            if isinstance(outcomes, dict):
                outcomes = [outcomes]
            outcome = outcomes[min(instance, len(outcomes) - 1)]
            runner.log.append(("task", task.task_id, task.flow_name, task.task_name, "fails" in outcome))
            if "fails" in outcome:
                raise FailedByTable(task.task_name)
            return copy.deepcopy(outcome["result"])

        def foreach_function(key):
            def items(storage_pool, node_args):  # noqa: ARG001  pylint: disable=unused-argument
                return copy.deepcopy(runner.table["foreach"][key])
            return items

        def module_attribute(name):
            if name.startswith("__"):
                raise AttributeError(name)
            if name in runner.foreach_keys:
                return foreach_function(runner.foreach_keys[name])
            return type(name, (SelinonTask,), {"run": run_task})

        module = types.ModuleType("xcheck_tasks")
        module.__getattr__ = module_attribute
        sys.modules["xcheck_tasks"] = module

        class VirtualClock(datetime.datetime):
            """The executor's clock: one microsecond later at every reading."""
            current = datetime.datetime(2000, 1, 1)

            @classmethod
            def now(cls, tz=None):  # noqa: ARG003  pylint: disable=unused-argument
                cls.current += datetime.timedelta(microseconds=1)
                return cls.current

        executor_module.datetime = VirtualClock

        def no_sleep(cls, wait_time, sleep_time, info_text=None, show_progressbar=True):  # noqa: ARG001
            # pylint: disable=unused-argument
            if wait_time > 0:
                raise RuntimeError("the executor was asked to wait %s s: a countdown survived the rewrite" % wait_time)
        Progress.sleep = classmethod(no_sleep)

        from celery.utils.threads import LocalStack
        from selinon.executor.celery_mocks import SimulateAsyncResult

        def apply_async(instance, **celery_kwargs):
            # celery_mocks.simulate_apply_async, except that it assigns `instance.request`, which
            # Celery 5 made a read-only property; the request is pushed instead (onto a stack of its
            # own: a task class that is not bound to a Celery app has none).
            instance.request_stack = LocalStack()
            instance.push_request(id=str(id(instance)))
            executor_module.Executor.schedule(instance, celery_kwargs)
            selinon_kwargs = celery_kwargs["kwargs"]
            return SimulateAsyncResult(selinon_kwargs.get("task_name", selinon_kwargs["flow_name"]), node_id=id(instance))
        executor_module.simulate_apply_async = apply_async

        original_schedule = executor_module.Executor.schedule.__func__

        def schedule(cls, task, celery_kwargs):
            runner.alive.append(task)
            original_schedule(cls, task, celery_kwargs)
        executor_module.Executor.schedule = classmethod(schedule)

        def trace(event, message):
            if event == Trace.SUBFLOW_SCHEDULE:
                runner.log.append(("subflow", message["child_dispatcher_id"], message["flow_name"]))
            elif event == Trace.FLOW_END:
                runner.log.append(("flow", message["dispatcher_id"], message["flow_name"], "succeeded"))
            elif event == Trace.FLOW_FAILURE:
                runner.log.append(("flow", message["dispatcher_id"], message["flow_name"],
                                   "retried" if message["will_retry"] else "failed"))
            elif event == Trace.DISPATCHER_FAILURE:
                runner.log.append(("crash", message["dispatcher_id"], message["flow_name"], message["what"]))
        self.trace_functions = [trace]
        self.trace_class = Trace
        self.executor_module = executor_module

    def run(self, nodes_file, flow_files, flow, table):
        """Node runs (flow, node, kind, status) in order, the flow's status, and crashes."""
        # pylint: disable=import-outside-toplevel
        from selinon.executor.celery_mocks import SimulateAsyncResult
        from selinon.executor.queue_pool import QueuePool

        self.table, self.runs, self.log, self.alive = table, {}, [], []
        self.trace_class._trace_functions = list(self.trace_functions)  # pylint: disable=protected-access
        self.executor_module.Executor.executor_queues = QueuePool()
        SimulateAsyncResult.task_successes.clear()
        SimulateAsyncResult.task_failures.clear()
        with contextlib.redirect_stdout(io.StringIO()):
            executor = self.executor_module.Executor(nodes_file, flow_files, show_progressbar=False)
            executor.run(flow, copy.deepcopy(table.get("node_args")))
        parents = {entry[1]: entry[2] for entry in self.log if entry[0] == "subflow"}
        last_attempt = {}
        for position, entry in enumerate(self.log):
            if entry[0] == "task":
                last_attempt[entry[1]] = position
        nodes, status, crashes = [], None, []
        for position, entry in enumerate(self.log):
            if entry[0] == "task":
                _, task_id, flow_name, task_name, raised = entry
                if not raised:
                    state = "succeeded"
                else:
                    state = "failed" if last_attempt[task_id] == position else "retried"
                nodes.append((flow_name, task_name, "task", state))
            elif entry[0] == "flow":
                _, dispatcher_id, flow_name, state = entry
                parent = parents.get(dispatcher_id)
                nodes.append((parent, flow_name, "flow", state))
                if parent is None and state != "retried":
                    status = state
            elif entry[0] == "crash":
                # The dispatcher raised: it fails its flow at once, without the flow's retries.
                _, dispatcher_id, flow_name, what = entry
                parent = parents.get(dispatcher_id)
                nodes.append((parent, flow_name, "flow", "failed"))
                crashes.append((flow_name, what.strip().splitlines()[-1]))
                if parent is None:
                    status = "failed"
        return {"nodes": nodes, "status": status, "crashes": crashes}


# ================================================================================================
# configurations: Selinon's copy
# ================================================================================================

def as_list(value):
    if isinstance(value, list):
        return value
    return [] if not value else [value]


def mangle(key):
    return "foreach__" + key.replace(".", "__")


def executor_copy(nodes_doc, flow_docs, runner):
    """Selinon's copy of a configuration: tasks, foreach functions and storages obey the table,
    nothing waits (see the module documentation)."""
    nodes = copy.deepcopy(nodes_doc)
    for task in nodes.get("tasks") or []:
        task["import"] = "xcheck_tasks"
        task["classname"] = task["name"]
        for key in ("retry_countdown", "throttling", "output_schema", "selective_run_function"):
            task.pop(key, None)
    nodes["storages"] = [{"name": storage["name"], "import": "selinon.storages.memory", "classname": "InMemoryStorage",
                          "configuration": {"echo": False}} for storage in nodes.get("storages") or []]
    global_settings = nodes.get("global") or {}
    for key in ("trace", "migration_dir"):
        global_settings.pop(key, None)
    flows = copy.deepcopy(flow_docs)
    for document in flows:
        for flow in document["flow-definitions"]:
            flow["sampling"] = {"name": "constant", "args": {"retry": 0}}
            flow.pop("retry_countdown", None)
            flow.pop("throttling", None)
            for edge in flow.get("edges") or []:
                if edge.get("foreach"):
                    key = "%s.%s" % (edge["foreach"]["import"], edge["foreach"]["function"])
                    runner.foreach_keys[mangle(key)] = key
                    edge["foreach"] = dict(edge["foreach"], **{"import": "xcheck_tasks", "function": mangle(key)})
    return nodes, flows


def load_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


# ================================================================================================
# outcome tables
# ================================================================================================

def condition_keys(condition, keys):
    """Collect the ``key`` arguments of a condition tree (results and node_args alike)."""
    if isinstance(condition, dict):
        if "name" in condition:
            key = (condition.get("args") or {}).get("key")
            if isinstance(key, list):
                keys.update(k for k in key if isinstance(k, str))
            elif isinstance(key, str):
                keys.add(key)
        for child_key in ("and", "or"):
            for child in condition.get(child_key) or []:
                condition_keys(child, keys)
        if "not" in condition:
            condition_keys(condition["not"], keys)


def random_value(rng):
    return copy.deepcopy(rng.choice(VALUE_POOL))


def random_mapping(rng, keys):
    return {key: random_value(rng) for key in sorted(keys) if rng.random() < 0.8}


def random_table(rng, tasks, keys, foreach_keys, fail_rate):
    table = {"node_args": random_mapping(rng, keys) if rng.random() < 0.85 else None, "tasks": {}, "foreach": {}}
    for task in tasks:
        roll = rng.random()
        if roll < fail_rate:
            table["tasks"][task] = {"fails": True}
        elif roll < fail_rate * 1.6:
            table["tasks"][task] = [{"fails": True}, {"result": random_mapping(rng, keys)}]
        elif roll < fail_rate * 2:
            table["tasks"][task] = [{"result": random_mapping(rng, keys)}, {"fails": True}]
        else:
            table["tasks"][task] = {"result": random_mapping(rng, keys) if rng.random() < 0.9 else random_value(rng)}
    for key in foreach_keys:
        table["foreach"][key] = [random_mapping(rng, keys) for _ in range(rng.choice([0, 1, 1, 2, 2, 3]))]
    return table


# ================================================================================================
# random configurations
# ================================================================================================

RESULT_PREDICATES = [
    ("fieldEqual", ["key", "value"]), ("fieldNotEqual", ["key", "value"]), ("fieldExist", ["key"]),
    ("fieldLenGreater", ["key", "length"]), ("fieldLenGreaterEqual", ["key", "length"]),
    ("fieldLenEqual", ["key", "length"]), ("fieldLenNotEqual", ["key", "length"]), ("fieldGreater", ["key", "value"]),
    ("fieldLess", ["key", "value"]),
    ("fieldGreaterEqual", ["key", "value"]), ("fieldContain", ["key", "value"]), ("fieldBool", ["key"]),
    ("fieldNone", ["key"]), ("fieldList", ["key"]), ("isNone", []),
    ("isDict", []), ("empty", []),
]
ARGS_PREDICATES = [
    ("argsFieldEqual", ["key", "value"]), ("argsFieldExist", ["key"]), ("argsFieldGreater", ["key", "value"]),
    ("argsFieldLenGreater", ["key", "length"]), ("argsFieldBool", ["key"]), ("argsIsNone", []),
    ("argsFieldNotEqual", ["key", "value"]), ("alwaysTrue", []), ("alwaysFalse", []), ("envExist", ["env"]),
]
KEYS = ["a", "b", "c"]


def predicate_argument(rng, name):
    if name == "key":
        return rng.choice(KEYS) if rng.random() < 0.85 else [rng.choice(KEYS), "a"]
    if name == "length":
        # Python compares numbers by value (2.0 == 2, True == 1); a string equals no length and
        # orders against none (Selinon's predicates take the error as false).
        return rng.choice([0, 1, 2, 2, 2.0, 2.5, True, "2"])
    if name == "env":
        return rng.choice(["ENGINE_COMPAT_SET", "ENGINE_COMPAT_UNSET"])
    return random_value(rng)


def random_leaf(rng, result_sources, must_name):
    """A leaf reading the result of one of ``result_sources`` (named with ``node`` when the edge has
    several sources) or the flow's arguments/environment."""
    if result_sources and rng.random() < 0.7:
        name, parameters = rng.choice(RESULT_PREDICATES)
        leaf = {"name": name}
        if must_name or rng.random() < 0.2:
            leaf["node"] = rng.choice(result_sources)
    else:
        name, parameters = rng.choice(ARGS_PREDICATES)
        leaf = {"name": name}
    if parameters:
        leaf["args"] = {parameter: predicate_argument(rng, parameter) for parameter in parameters}
    return leaf


def random_condition(rng, result_sources, must_name=False, depth=0):
    roll = rng.random()
    if depth < 2 and roll < 0.15:
        return {"not": random_condition(rng, result_sources, must_name, depth + 1)}
    if depth < 2 and roll < 0.35:
        return {rng.choice(["and", "or"]): [random_condition(rng, result_sources, must_name, depth + 1)
                                             for _ in range(rng.choice([2, 2, 3]))]}
    return random_leaf(rng, result_sources, must_name)


class RandomConfiguration:
    """A seeded, valid, acyclic configuration: flows f0 (executed) … fN, tasks named per flow."""

    def __init__(self, rng):
        self.tasks = []
        self.max_retry = {}
        self.flows = []
        self.foreach_keys = []
        count = rng.choice([1, 1, 2, 2, 3])
        names = ["f%d" % i for i in range(count)]
        self.flow_names = set(names)
        for position, name in enumerate(names):
            self.flows.append(self.random_flow(rng, name, names[position + 1:]))
        self.read_only = self.random_read_only_tasks()

    def task(self, rng, name):
        self.tasks.append(name)
        if rng.random() < 0.15:
            self.max_retry[name] = 1
        return name

    def random_flow(self, rng, name, later_flows):
        # Nodes in topological order; edges only go forward, so every flow ends.
        order = [self.task(rng, "%s_T%d" % (name, i)) for i in range(rng.randint(3, 7))]
        subflows = [flow for flow in later_flows if rng.random() < 0.6]
        for flow in subflows:
            order.insert(rng.randint(1, len(order)), flow)
        flow = {"name": name, "edges": []}
        started = set()
        starters = order[:rng.choice([1, 1, 2])]
        for node in starters:
            edge = {"from": None, "to": [node]}
            if rng.random() < 0.15:
                edge["condition"] = random_condition(rng, [])
            flow["edges"].append(edge)
            started.add(node)
        for position in range(len(starters), len(order)):
            node = order[position]
            for _ in range(rng.choice([1, 1, 1, 2])):
                candidates = [n for n in order[:position] if n in started]
                sources = rng.sample(candidates, min(len(candidates), rng.choice([1, 1, 1, 2, 2, 3])))
                destinations = [node] + [n for n in order[position + 1:] if rng.random() < 0.15][:1]
                edge = {"from": sources if len(sources) > 1 or rng.random() < 0.5 else sources[0], "to": destinations}
                if rng.random() < 0.45:
                    task_sources = [s for s in sources if s not in self.flow_names]
                    edge["condition"] = random_condition(rng, task_sources, must_name=len(sources) > 1)
                if rng.random() < 0.12:
                    key = "gen.fanout.items_%s_%d" % (name, len(flow["edges"]))
                    edge["foreach"] = {"import": "gen.fanout", "function": key.rsplit(".", 1)[1]}
                    self.foreach_keys.append(key)
                    if all(d in self.flow_names for d in destinations) and rng.random() < 0.6:
                        edge["foreach"]["propagate_result"] = True
                flow["edges"].append(edge)
                started.update(destinations)
        sources = {s for edge in flow["edges"] for s in as_list(edge["from"])}
        if rng.random() < 0.4:
            flow["propagate_node_args"] = True
            if any(edge.get("foreach", {}).get("propagate_result") for edge in flow["edges"]):
                flow.pop("propagate_node_args")
        leaves = [n for n in order if n in started and n not in sources and n not in self.flow_names]
        if leaves and rng.random() < 0.2:
            flow["nowait"] = [rng.choice(leaves)]
        failures = []
        failable = [n for n in order if n in started and n not in flow.get("nowait", [])]
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            nodes = sorted(rng.sample(failable, min(len(failable), rng.choice([1, 1, 2]))))
            later = order[max(order.index(n) for n in nodes) + 1:]
            fallback = [self.task(rng, "%s_F%d" % (name, len(failures)))]
            later_flows = [n for n in later if n in self.flow_names]
            if later_flows and rng.random() < 0.3:
                fallback.append(rng.choice(later_flows))
            entry = {"nodes": nodes if len(nodes) > 1 else nodes[0], "fallback": fallback}
            if rng.random() < 0.3:
                entry["condition"] = random_condition(rng, [])
            failures.append(entry)
            if rng.random() < 0.2:
                failures.append({"nodes": entry["nodes"], "fallback": [self.task(rng, "%s_F%d" % (name, len(failures)))],
                                 "condition": random_condition(rng, [])})
            if later and rng.random() < 0.3:
                flow["edges"].append({"from": fallback[0], "to": rng.choice(later)})
        if failures:
            flow["failures"] = failures
        covered = {n for entry in failures for n in as_list(entry["nodes"])}
        eager_candidates = [n for n in failable if n not in covered]
        if eager_candidates and failures and rng.random() < 0.25:
            flow["eager_failures"] = [rng.choice(eager_candidates)]
        first = flow["edges"][0]
        starting = [edge for edge in flow["edges"] if not edge["from"]]
        if len(starting) == 1 and len(first["to"]) == 1 and first["to"][0] not in self.flow_names and rng.random() < 0.25:
            flow["node_args_from_first"] = True
        if rng.random() < 0.15:
            flow["max_retry"] = 1
        return flow

    def random_read_only_tasks(self):
        """Tasks given ``storage_readonly`` (their results are never stored): some of those no condition
        reads (Selinon rejects a result-reading condition bound to one), the first task of a
        ``node_args_from_first`` flow most often. Drawn from a generator seeded with the flows, so that the
        case's other draws stay as they were."""
        rng = random.Random(json.dumps(self.flows, sort_keys=True))
        conditioned = {source for flow in self.flows for edge in flow["edges"] if "condition" in edge
                       for source in as_list(edge["from"] or [])}
        first_tasks = {flow["edges"][0]["to"][0] for flow in self.flows if flow.get("node_args_from_first")}
        return {task for task in self.tasks if task not in conditioned
                and rng.random() < (0.5 if task in first_tasks else 0.1)}

    def documents(self):
        nodes = {
            "tasks": [dict({"name": name, "import": "gen.tasks", "storage": "Results"},
                           **({"max_retry": self.max_retry[name]} if name in self.max_retry else {}),
                           **({"storage_readonly": True} if name in self.read_only else {}))
                      for name in self.tasks],
            "storages": [{"name": "Results", "import": "selinon.storages.memory", "classname": "InMemoryStorage",
                          "configuration": {"echo": False}}],
            "flows": [flow["name"] for flow in self.flows],
        }
        return nodes, [{"flow-definitions": self.flows}]


# ================================================================================================
# cases
# ================================================================================================

class Case:
    def __init__(self, name, nodes_doc, flow_docs, flow, table, directory):
        self.name, self.nodes_doc, self.flow_docs, self.flow, self.table = name, nodes_doc, flow_docs, flow, table
        self.directory = directory
        self.ours = None
        self.selinon = None

    def write(self, runner, original_nodes=None, original_flows=None):
        os.makedirs(self.directory, exist_ok=True)
        nodes, flows = executor_copy(self.nodes_doc, self.flow_docs, runner)
        self.executor_nodes = os.path.join(self.directory, "executor-nodes.yml")
        self.executor_flows = []
        with open(self.executor_nodes, "w", encoding="utf-8") as handle:
            yaml.safe_dump(nodes, handle, sort_keys=False)
        for position, document in enumerate(flows):
            path = os.path.join(self.directory, "executor-flows-%d.yml" % position)
            with open(path, "w", encoding="utf-8") as handle:
                yaml.safe_dump(document, handle, sort_keys=False)
            self.executor_flows.append(path)
        if original_nodes:
            self.nodes_file, self.flow_files = original_nodes, original_flows
        else:
            self.nodes_file = os.path.join(self.directory, "nodes.yml")
            with open(self.nodes_file, "w", encoding="utf-8") as handle:
                yaml.safe_dump(self.nodes_doc, handle, sort_keys=False)
            self.flow_files = []
            for position, document in enumerate(self.flow_docs):
                path = os.path.join(self.directory, "flows-%d.yml" % position)
                with open(path, "w", encoding="utf-8") as handle:
                    yaml.safe_dump(document, handle, sort_keys=False)
                self.flow_files.append(path)
        self.table_file = os.path.join(self.directory, "%s.outcomes.json" % self.name.replace(" ", "-"))
        with open(self.table_file, "w", encoding="utf-8") as handle:
            json.dump(self.table, handle, indent=1, sort_keys=True)


def run_ours(binary, case):
    command = [binary, "execute", case.flow, "-n", case.nodes_file, "--outcomes", case.table_file, "--format", "json"]
    for path in case.flow_files:
        command += ["-f", path]
    process = subprocess.run(command, capture_output=True, text=True, check=False)
    if process.returncode != 0:
        return {"error": "exit %d: %s" % (process.returncode, process.stderr.strip())}
    report = json.loads(process.stdout)
    return {"nodes": [(n["flow"], n["node"], n["kind"], n["status"]) for n in report["nodes"]],
            "status": report["status"], "crashes": [(e.split(":", 1)[0], e) for e in report["dispatcher_errors"]]}


def compare(case):
    """Differences between the two runs of a case, as lines; empty when they agree."""
    ours, theirs = case.ours, case.selinon
    if "error" in ours:
        return ["ours failed: " + ours["error"]]
    problems = []
    if Counter(flow for flow, _ in ours["crashes"]) != Counter(flow for flow, _ in theirs["crashes"]):
        problems.append("dispatcher errors: ours %s, Selinon's %s" % (ours["crashes"], theirs["crashes"]))
    if ours["status"] != theirs["status"]:
        problems.append("flow status: ours %s, Selinon %s" % (ours["status"], theirs["status"]))
    ours_count, theirs_count = Counter(ours["nodes"]), Counter(theirs["nodes"])
    if ours_count != theirs_count:
        only_ours = ours_count - theirs_count
        only_theirs = theirs_count - ours_count
        problems.append("node runs only ours: %s" % sorted(only_ours.elements(), key=str))
        problems.append("node runs only Selinon's: %s" % sorted(only_theirs.elements(), key=str))
    elif ours["nodes"] != theirs["nodes"]:
        problems.append("same node runs in a different order")
    return problems


def describe(case, problems):
    def show(nodes):
        return "\n".join("    %s" % (node,) for node in nodes)
    lines = ["=" * 100, "UNEXPLAINED: %s (flow %s)" % (case.name, case.flow)] + ["  " + p for p in problems]
    lines.append("  configuration: %s %s" % (case.nodes_file, " ".join(case.flow_files)))
    lines.append("  flows:\n" + yaml.safe_dump(case.flow_docs, sort_keys=False))
    lines.append("  table: " + json.dumps(case.table, sort_keys=True))
    if "nodes" in case.ours:
        lines.append("  ours (%s):\n%s" % (case.ours["status"], show(case.ours["nodes"])))
    lines.append("  Selinon (%s):\n%s" % (case.selinon["status"], show(case.selinon["nodes"])))
    return "\n".join(lines)


def example_cases(rng, root, runner, tables):
    cases = []
    for version in sorted(os.listdir(EXAMPLE_DIR)):
        directory = os.path.join(EXAMPLE_DIR, version)
        if not version.startswith("v") or not os.path.isdir(directory):
            continue
        nodes_file = os.path.join(directory, "nodes.yml")
        flow_files = sorted(os.path.join(directory, "flows", f) for f in os.listdir(os.path.join(directory, "flows"))
                            if f.endswith((".yml", ".yaml")))
        nodes_doc = load_yaml(nodes_file)
        flow_docs = [load_yaml(path) for path in flow_files]
        keys, foreach_keys = set(), set()
        for document in flow_docs:
            for flow in document["flow-definitions"]:
                for edge in flow.get("edges") or []:
                    condition_keys(edge.get("condition"), keys)
                    if edge.get("foreach"):
                        foreach_keys.add("%s.%s" % (edge["foreach"]["import"], edge["foreach"]["function"]))
                for failure in flow.get("failures") or []:
                    condition_keys(failure.get("condition"), keys)
        tasks = [task["name"] for task in nodes_doc["tasks"]]
        flows = [flow["name"] for document in flow_docs for flow in document["flow-definitions"]]
        for flow in flows:
            everything = {"node_args": {}, "tasks": {},
                          "foreach": {key: [{}] for key in sorted(foreach_keys)}}
            variants = [everything] + [random_table(rng, tasks, keys, sorted(foreach_keys), 0.15) for _ in range(tables)]
            for number, table in enumerate(variants):
                case = Case("example %s %s table %d" % (version, flow, number), nodes_doc, flow_docs, flow, table,
                            os.path.join(root, "example-%s" % version))
                case.write(runner, nodes_file, flow_files)
                cases.append(case)
    return cases


def random_cases(rng, root, runner, configs, tables):
    cases = []
    for number in range(configs):
        configuration = RandomConfiguration(rng)
        nodes_doc, flow_docs = configuration.documents()
        keys = set(KEYS)
        for table_number in range(tables):
            table = random_table(rng, configuration.tasks, keys, configuration.foreach_keys, rng.choice([0.0, 0.1, 0.25]))
            case = Case("random configuration %d table %d" % (number, table_number), nodes_doc, flow_docs, "f0", table,
                        os.path.join(root, "random-%d" % number))
            case.write(runner)
            cases.append(case)
    return cases


URL_CORPUS = [
    "https://github.com/a/b", "HTTPS://GitHub.com:443/x;p?q#f", "http://user:pw@host:8080/p;params/q;x?y#z",
    "ftp://h/a;b", "foo://h/a;b", "//host/path", "host/path", "mailto:a@b", "a:b", "1a:b", "a+b.c-d:rest",
    "a_b:rest", ":nothing", "http:", "http://", "http://[::1/x", "http://::1]/x", " http://x/y", "\thttp://x/\ny",
    "http://x/y#a?b", "http://x?y/z", "http://x#y/z", "", ";a", "/a/b;c/d;e", "http://h\u00e9.com/p",
    "http://a\u2100b/", "tel:+1;ext=2", "http://x/a;b/c", "path;only", "\x00\x1fhttp://x", "http://x\r\n/y",
    "HtTp://EXAMPLE.org", "http:/x/y", "http:///x", "s3://bucket/key;v=1",
]
URL_PIECES = {
    "lead": ["", "", "", " ", "\t", "\x01"],
    "scheme": ["http", "HTTPS", "ftp", "foo", "a+b", "1a", "a_b", "", "mailto", "tel", "sip", "Git+SSH"],
    "colon": [":", ":", ":", ""],
    "slashes": ["//", "//", "/", ""],
    "host": ["github.com", "GitHub.com:443", "user:pw@host", "h\u00e9.com", "a\u2100b", "", "x:1", "[::1", "::1]", "\uff0fx"],
    "path": ["", "/", "/a/b", "/a;b", "/a/b;c", ";p", "/a;b/c;d", "/x\ny", "/\u00e9"],
    "query": ["", "", "?q=1", "?a/b", "?;x"],
    "fragment": ["", "", "#f", "#a?b", "#/x"],
}
URL_PREDICATES = [("Scheme", "scheme"), ("Netloc", "netloc"), ("Path", "path")]


def random_url(rng):
    return "".join(rng.choice(URL_PIECES[part]) for part in
                   ["lead", "scheme", "colon", "slashes", "host", "path", "query", "fragment"])


def url_checks(rng, count):
    """(url, predicate, part name, expected value) checks: the expected value is often the part
    Python's urlparse gives, else another part or a changed one."""
    from urllib.parse import urlparse  # pylint: disable=import-outside-toplevel
    urls = [u for u in URL_CORPUS + [random_url(rng) for _ in range(count)] if not ("[" in u and "]" in u)]
    checks = []
    for index in range(count):
        url = urls[index % len(urls)]
        suffix, part = rng.choice(URL_PREDICATES)
        try:
            actual = getattr(urlparse(url), part)
        except ValueError:
            actual = rng.choice(["", "x"])
        expected = actual if rng.random() < 0.6 else rng.choice([actual + "x", actual.upper(), "", "http", "/"])
        predicate = ("argsFieldUrl" if rng.random() < 0.3 else "fieldUrl") + suffix
        checks.append((url, predicate, part, expected))
    return checks


def compare_url_checks(binary, root, checks):
    """Runs every check as one edge of one flow through our ``execute``; returns the differences
    from Selinon's predicate functions as lines."""
    import selinon.predicates as predicates  # pylint: disable=import-outside-toplevel
    values = {"u%d" % index: url for index, (url, _, _, _) in enumerate(checks)}
    tasks = ["Start"] + ["T%d" % index for index in range(len(checks))]
    nodes = {"tasks": [{"name": task, "import": "xcheck_tasks", "storage": "Results"} for task in tasks], "flows": ["urls"],
             "storages": [{"name": "Results", "import": "selinon.storages.memory", "classname": "InMemoryStorage",
                           "configuration": {"echo": False}}]}
    edges = [{"from": None, "to": "Start"}]
    for index, (_, predicate, part, expected) in enumerate(checks):
        edges.append({"from": "Start", "to": "T%d" % index,
                      "condition": {"name": predicate, "args": {"key": "u%d" % index, part: expected}}})
    directory = os.path.join(root, "url-checks")
    os.makedirs(directory, exist_ok=True)
    nodes_file, flow_file, table_file = (os.path.join(directory, name) for name in ("nodes.yml", "flows.yml", "outcomes.json"))
    with open(nodes_file, "w", encoding="utf-8") as handle:
        yaml.safe_dump(nodes, handle, allow_unicode=True)
    with open(flow_file, "w", encoding="utf-8") as handle:
        yaml.safe_dump({"flow-definitions": [{"name": "urls", "edges": edges}]}, handle, allow_unicode=True)
    with open(table_file, "w", encoding="utf-8") as handle:
        json.dump({"node_args": values, "tasks": {"Start": {"result": values}}}, handle)
    process = subprocess.run([binary, "execute", "urls", "-n", nodes_file, "-f", flow_file, "--outcomes", table_file,
                              "--format", "json", "--max-runs", str(10 * len(checks) + 100)],
                             capture_output=True, text=True, check=False)
    if process.returncode != 0:
        return ["URL checks: ours failed (exit %d): %s" % (process.returncode, process.stderr.strip())]
    ran = {node["node"] for node in json.loads(process.stdout)["nodes"]}
    problems = []
    for index, (url, predicate, part, expected) in enumerate(checks):
        theirs = getattr(predicates, predicate)(values, key="u%d" % index, **{part: expected})
        ours = "T%d" % index in ran
        if ours != theirs:
            problems.append("URL check: %s(%r, %s=%r): ours %s, Selinon %s" % (predicate, url, part, expected, ours, theirs))
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.environ.get("SELINON_MIGRATE_BINARY")
                        or os.path.join(REPO_ROOT, ".build", "debug", "selinon-migrate"),
                        help="the selinon-migrate executable (default: $SELINON_MIGRATE_BINARY, "
                             "else .build/debug/selinon-migrate)")
    parser.add_argument("--configs", type=int, default=DEFAULT_CONFIGS, help="random configurations (default %(default)s)")
    parser.add_argument("--tables", type=int, default=DEFAULT_TABLES, help="outcome tables per random configuration "
                        "(default %(default)s)")
    parser.add_argument("--example-tables", type=int, default=DEFAULT_EXAMPLE_TABLES,
                        help="random outcome tables per example flow, besides all-succeed (default %(default)s)")
    parser.add_argument("--url-checks", type=int, default=600, help="URL predicate checks (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed (default %(default)s)")
    parser.add_argument("--keep", metavar="DIR", help="write every case's files into DIR and keep them")
    parser.add_argument("--verbose", action="store_true", help="one line per case")
    args = parser.parse_args(argv)

    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        print("FAIL: %s is not an executable (build it, or pass --binary / set SELINON_MIGRATE_BINARY)" % binary)
        return 1
    try:
        runner = SelinonRunner()
    except ImportError as exc:
        print("FAIL: Selinon is not importable from %s (%s); run this with the Selinon venv's python" % (sys.executable, exc))
        return 1
    logging.disable(logging.CRITICAL)
    os.environ["ENGINE_COMPAT_SET"] = "1"
    os.environ.pop("ENGINE_COMPAT_UNSET", None)

    began = time.perf_counter()
    root = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="engine-compat-")
    if args.keep:
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
    rng = random.Random(args.seed)
    unexplained, tally = [], Counter()
    try:
        url_problems = compare_url_checks(binary, root, url_checks(random.Random(args.seed), args.url_checks))
        unexplained += url_problems
        cases = example_cases(rng, root, runner, args.example_tables) + random_cases(rng, root, runner, args.configs, args.tables)
        with ThreadPoolExecutor(max_workers=2) as pool:
            ours = pool.map(lambda case: run_ours(binary, case), cases)
            for case, result in zip(cases, ours):
                try:
                    case.selinon = runner.run(case.executor_nodes, case.executor_flows, case.flow, case.table)
                except Exception as exc:  # pylint: disable=broad-except
                    case.selinon = {"nodes": [], "status": None, "crashes": [("executor", "raised %r" % exc)]}
                case.ours = result
                problems = compare(case)
                kind = "example" if case.name.startswith("example") else "random"
                tally[kind] += 1
                tally["node runs"] += len(case.selinon["nodes"])
                tally["flow " + str(case.selinon["status"])] += 1
                if problems:
                    unexplained.append(describe(case, problems))
                if args.verbose:
                    print("%-45s %-22s %s %s" % (case.name, case.flow, case.selinon["status"],
                                                 "DIFFERS" if problems else "same"))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    for report in unexplained:
        print(report)
    print("engine_compat: %d example cases, %d random cases (%d configurations), %d node runs compared; "
          "flows succeeded %d, failed %d; %d URL predicate checks; %d unexplained differences (%.1f s)"
          % (tally["example"], tally["random"], args.configs, tally["node runs"], tally["flow succeeded"],
             tally["flow failed"], args.url_checks, len(unexplained), time.perf_counter() - began))
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
