#!/usr/bin/env python3
"""Cross-check of `validate`'s selective-run warnings against Selinon 1.4.0's own computation.

Selinon computes an edge's selective run (``selinon.selective.compute_selective_run``) only when the
edge fires, in the dispatcher of the edge's flow, and fails that flow when the computation raises:
``SelectiveNoPathError`` for a selected task that no path reaches (in the sub-flow, and with
``follow_subflows`` in the sub-flows it starts), ``KeyError`` for a ``run_subsequent`` flow the run
does not cover in which an edge follows the selected tasks. ``selinon-migrate validate`` warns about
both (code ``selective-run``) without searching paths one by one as Selinon does. A run computed
without ``follow_subflows`` has a part for its flow alone, yet the flow hands it on to every sub-flow it
starts (through an edge without a selective run of its own): that sub-flow's dispatcher looks its part
up and fails (``KeyError``); ``validate`` warns about those too.

For each of ``--configs`` (default 300) seeded random configurations - a few flows sharing a pool of
tasks, edges with one or two sources in any direction (so cycles, also cycles that no starting edge
enters), sub-flows (also in cycles, and as sources that the flow never starts, which no path passes) -
this script adds a flow ``probe`` whose starting edges each run
one flow selectively (random tasks, ``follow_subflows``, ``run_subsequent`` as a flag or a list),
then compares, per probe edge, whether Selinon's ``compute_selective_run`` raises with whether
``validate --format json`` warns about that edge, that the task Selinon names is among those our
warnings name, and, when it computes the run, the sub-flows it is handed on to without a part with
those our warnings name. Any difference is printed with the configuration, and the script exits 1.

Usage (from the repository root, with the Selinon venv's python):
    python compat/selective_compat.py --binary .build/debug/selinon-migrate [--configs N] [--seed S]
"""

import argparse
import json
import logging
import os
import random
import re
import subprocess
import sys
import tempfile
import types

import yaml

from selinon import Config, SelinonTask
from selinon.errors import SelectiveNoPathError
from selinon.selective import compute_selective_run


class _Task(SelinonTask):
    def run(self, node_args):
        return None


class _TaskModule(types.ModuleType):
    """``gen.tasks``: any class name is a task class (Selinon imports each task's class)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return type(name, (_Task,), {})


def random_configuration(rng):
    tasks = ["T%d" % i for i in range(rng.randint(3, 7))]
    flows = ["f%d" % i for i in range(rng.randint(1, 4))]
    definitions = []
    for name in flows:
        nodes = rng.sample(tasks, rng.randint(2, min(5, len(tasks))))
        nodes += [flow for flow in flows if flow != name and rng.random() < 0.3]
        if rng.random() < 0.1:
            nodes.append(name)  # a flow that starts itself
        starting = rng.sample(nodes, rng.choice([1, 1, 2]))
        edges = [{"from": None, "to": [node]} for node in starting]
        started = set(starting)
        for _ in range(rng.randint(2, 7)):
            destination = rng.choice(nodes)
            # Sources: any node some edge starts (the edge itself may start it: a loop).
            candidates = sorted(started | {destination})
            sources = rng.sample(candidates, min(len(candidates), rng.choice([1, 1, 2])))
            if rng.random() < 0.15:
                # A sub-flow as a source that this flow never starts (allowed for flows, not for tasks):
                # no path leads through the edge.
                sources = sorted(set(sources) | {rng.choice(flows)})
            edges.append({"from": sources, "to": [destination]})
            started.add(destination)
        definitions.append({"name": name, "edges": edges})
    used = {node for flow in definitions for edge in flow["edges"] for node in edge["to"]}
    probe = {"name": "probe", "edges": []}
    for _ in range(rng.randint(3, 8)):
        selective = {"tasks": rng.sample(tasks, rng.choice([1, 1, 2, 3]))}
        if rng.random() < 0.5:
            selective["follow_subflows"] = True
        roll = rng.random()
        if roll < 0.3:
            selective["run_subsequent"] = True
        elif roll < 0.6:
            selective["run_subsequent"] = rng.sample(flows, rng.randint(1, len(flows)))
        probe["edges"].append({"from": None, "to": [rng.choice(flows)], "selective": selective})
    nodes = {
        # Only tasks some flow starts: an unused task is an error to Selinon.
        "tasks": [{"name": name, "import": "gen.tasks"} for name in tasks if name in used],
        "flows": ["probe"] + flows,
    }
    for edge in probe["edges"]:
        edge["selective"]["tasks"] = [task for task in edge["selective"]["tasks"] if task in used] or [sorted(used & set(tasks))[0]]
    return nodes, {"flow-definitions": [probe] + definitions}


def handed_on(flow, run):
    """The sub-flows a computed selective run of `flow` starts, through edges without a selective run of
    their own, that have no part in it: each one's dispatcher looks its part up and fails (KeyError)."""
    subset = run["waiting_edges_subset"]
    names = set()
    for index, nodes in subset[flow].items():
        edge = Config.edge_table[flow][index]
        if edge.get("selective"):
            continue
        for name in (nodes or edge["to"]):  # (an empty list starts every destination)
            if Config.is_flow(name) and name not in subset:
                names.add(name)
    return names


def selinon_failures(nodes_file, flows_file):
    """Per probe edge: the sub-flows the computed run is handed on to without a part (a set) when Selinon
    computes its selective run, else (exception name, message)."""
    Config.set_config_yaml(nodes_file, [flows_file])
    failures = {}
    for index, edge in enumerate(Config.edge_table["probe"]):
        try:
            run = compute_selective_run(edge["to"][0], **edge["selective"])
            failures[index] = handed_on(edge["to"][0], run)
        except SelectiveNoPathError as error:
            failures[index] = ("SelectiveNoPathError", str(error))
        except KeyError as error:
            failures[index] = ("KeyError", str(error))
    return failures


def our_warnings(binary, nodes_file, flows_file):
    """Per probe edge: the tasks named in 'no path' warnings, and whether run_subsequent is warned about."""
    result = subprocess.run([binary, "validate", "-n", nodes_file, "-f", flows_file, "--format", "json"],
                            capture_output=True, text=True)
    document = json.loads(result.stdout)
    if result.returncode != 0:
        raise RuntimeError("validate failed (%d): %s" % (result.returncode, result.stdout + result.stderr))
    warned = {}
    for diagnostic in document["diagnostics"]:
        if diagnostic.get("code") != "selective-run":
            continue
        match = re.match(r"edge (\d+) of flow 'probe' (?:runs flow '[^']+' selectively for '([^']+)'|names flow|runs flow '[^']+' "
                         r"selectively without follow_subflows, and the run starts sub-flow '([^']+)')", diagnostic["message"])
        if not match:
            raise RuntimeError("unexpected warning: %s" % diagnostic["message"])
        tasks, subsequent, handed = warned.setdefault(int(match.group(1)), (set(), [False], set()))
        if match.group(2):
            tasks.add(match.group(2))
        elif match.group(3):
            handed.add(match.group(3))
        else:
            subsequent[0] = True
    return warned


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.environ.get("SELINON_MIGRATE_BINARY") or ".build/debug/selinon-migrate")
    parser.add_argument("--configs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    sys.modules["gen"] = types.ModuleType("gen")
    sys.modules["gen.tasks"] = _TaskModule("gen.tasks")
    rng = random.Random(args.seed)
    edges = differences = 0
    failing = {"SelectiveNoPathError": 0, "KeyError": 0, "handed on": 0}
    with tempfile.TemporaryDirectory() as directory:
        for number in range(args.configs):
            nodes, flows = random_configuration(rng)
            nodes_file, flows_file = os.path.join(directory, "nodes.yml"), os.path.join(directory, "flows.yml")
            with open(nodes_file, "w") as out:
                yaml.safe_dump(nodes, out, sort_keys=False)
            with open(flows_file, "w") as out:
                yaml.safe_dump(flows, out, sort_keys=False)
            theirs = selinon_failures(nodes_file, flows_file)
            ours = our_warnings(args.binary, nodes_file, flows_file)
            for index, failure in sorted(theirs.items()):
                edges += 1
                tasks, subsequent, handed = ours.get(index, (set(), [False], set()))
                if isinstance(failure, set):
                    failing["handed on"] += bool(failure)
                    agree = not tasks and not subsequent[0] and handed == failure
                elif failure[0] == "SelectiveNoPathError":
                    failing[failure[0]] += 1
                    named = re.search(r"node '([^']+)'", failure[1]).group(1)
                    agree = named in tasks
                else:
                    failing[failure[0]] += 1
                    agree = not tasks and subsequent[0]
                if not agree:
                    differences += 1
                    print("DIFFERENCE in configuration %d, probe edge %d: Selinon %s, ours %s" % (
                        number, index, failure, (sorted(tasks), subsequent[0], sorted(handed))))
                    print(yaml.safe_dump(flows, sort_keys=False))
    print("selective_compat: %d configurations, %d selective edges (Selinon cannot compute %d: %d SelectiveNoPathError, "
          "%d KeyError; %d more hand the run on to sub-flows that have no part in it); %d differences"
          % (args.configs, edges, failing["SelectiveNoPathError"] + failing["KeyError"], failing["SelectiveNoPathError"],
             failing["KeyError"], failing["handed on"], differences))
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
