#!/usr/bin/env python3
"""Differential test of `selinon-migrate generate` against Selinon 1.4.0's migration generator.

For every case (the bundled example's consecutive versions, Selinon's own generation test inputs
reconstructed from spec section 6.1, and seeded random configuration pairs) this script

* runs Selinon's ``Migrator.create_migration_file`` (a fresh ``Migrator`` and a fresh migration
  directory per case; the flow files are passed in the same order as to our tool), and
* runs ``selinon-migrate generate ... --dry-run --no-meta`` (without ``--no-check``, so both
  configurations must pass our full validation - a random configuration that our tool rejects is
  a bug in this generator, and reported as a failure),

then checks

A. loadability - Selinon's runtime reads migration files with ``yaml.safe_load``: that must read
   our bytes as the same content a JSON parser does (one shared, accepted exception: floats that
   Python's json also writes as e.g. ``1e+20`` are strings to YAML 1.1); then every file we print is
   put as ``1.json`` into a fresh migration directory and, for every flow in it, Selinon's runtime
   ``Migrator.perform_migration(flow, state, 0)`` is run on a state waiting on every old edge (no
   triggered edges, which avoids Selinon's crash D-1); the returned state must wait on exactly our
   translation of those edges, untainted, at version 1;
F. format - our bytes are Selinon's ``dict2json`` layout for the same content (sorted keys, 2-space
   indent, ``,``/``: ``) except for two deliberate differences of ours: exactly one trailing newline
   (Selinon writes none) and non-ASCII text as UTF-8 (Selinon escapes it); set-valued lists sorted;
T. for Selinon's own test inputs, both outputs against the table of spec 6.1 (incl. translations);
B. agreement - per flow, over the union of flow names in both outputs: ``translation`` (dict
   equality), ``tainted_edges`` (keys; ``from``/``to`` as sets; ``condition_str`` by value) and
   ``tainting_nodes`` (keys; values as sets). A difference is accepted only when a precise rule
   attributes it to a documented Selinon defect (see ``attribute_flow``); anything else is printed
   with both configurations and both outputs and makes the script exit 1.

Attribution rules (spec section 5). For each flow both configurations define, two reference
models are computed from the raw YAML:
  G = Selinon's own ``Migrator._calculate_flow_migration`` (greedy, condition-blind pairing), and
  D = the same computation with our documented two-pass pairing (equal from/to/condition first,
      then equal from/to; each edge at most once; ties by index).
Selinon records flow f iff it is at or after the first flow, in Selinon's processing (file-load)
order, whose G has tainted or tainting entries; we record f iff D is non-empty. Every flow must
satisfy: Selinon's entry == (G if recorded else absent) [a check of the model itself] and our
entry == (D if non-empty else absent) [our documented rules]. Given those, a difference between
the two outputs is attributed to
  D-5  when G != D (the pairings differ) AND the old or the new flow has two edges with equal
       from/to sets but different conditions (else: unexplained);
  D-3  when the only other difference is the presence of the entry and it is exactly one of
       (i)  Selinon has no entry, ours has translation changes only (no tainted/tainting entries),
            and the flow precedes Selinon's first recorded flow in load order ("skipped until
            something was recorded"), or
       (ii) Selinon's entry has three empty maps, ours is absent, and the flow comes at or after
            Selinon's first recorded flow ("everything after the first recorded flow is recorded").
A flow defined in only one configuration must have no entry in either output.

Usage (from the repository root, with the Selinon venv's python):
    python compat/generate_compat.py --binary .build/debug/selinon-migrate [--cases N] [--seed S]
``--binary`` defaults to $SELINON_MIGRATE_BINARY, else .build/debug/selinon-migrate.
Options: ``--keep DIR`` keeps every case's files, ``--verbose`` prints one line per case,
``--selinon-validate`` also validates every generated configuration with Selinon itself (slow,
about 3 minutes), ``--probe-values`` adds inputs our tool is known to mishandle (expected to fail
until fixed: see PROBE_VALUES and PROBE_CASES).

How the random configurations are kept valid: the generator only builds flows whose sources were
started by an earlier edge; every edit is applied to a copy and kept only if ``config_problems``
(at least one starting edge per flow, every source started by some edge of the flow, non-empty
``to``, no repeated names, sub-flows only "downwards" so there are no cycles, every referenced flow
defined and listed) finds nothing; the nodes file lists exactly the tasks the flows use. Our tool
then validates both versions fully (no ``--no-check``) and a rejection fails the run.
"""

import argparse
import copy
import datetime
import io
import json
import logging
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, OrderedDict

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE_DIR = os.path.join(REPO_ROOT, "examples", "package-analysis")
DEFAULT_SEED = 1404
DEFAULT_CASES = 250

EDIT_KINDS = [
    "add_edge", "remove_edge", "reorder_swap", "reorder_move", "add_source", "remove_source",
    "add_destination", "remove_destination", "duplicate_edge", "change_condition", "add_flow",
    "remove_flow",
]


# ================================================================================================
# small helpers
# ================================================================================================

def natural_key(text):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(text))]


def flow_files_below(directory):
    """*.yml/*.yaml below a directory, hidden files skipped, sorted by path (as our tool expands -f DIR)."""
    found = []
    for root, dirs, files in os.walk(directory, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith((".yml", ".yaml")) and not name.startswith("."):
                found.append(os.path.join(root, name))
    return sorted(found)


def load_yaml(path):
    with open(path, "r") as handle:
        return yaml.safe_load(handle)


def load_flow_edges(flow_files):
    """name -> raw edge list, in Selinon's load order (what ``Migrator._load_flows`` keeps)."""
    result = OrderedDict()
    for path in flow_files:
        for flow in load_yaml(path)["flow-definitions"]:
            result[flow["name"]] = flow["edges"]
    return result


def listed_flows(nodes_file):
    return list((load_yaml(nodes_file) or {}).get("flows") or [])


# ================================================================================================
# reference models
# ================================================================================================

def _names(value, selinon_style):
    """from/to as a frozenset; Selinon keeps '' and False as names (D-21), we treat every falsy value as empty."""
    if isinstance(value, (list, set)):
        return frozenset(value)
    if selinon_style:
        return frozenset() if value is None else frozenset([value])
    return frozenset() if not value else frozenset([value])


def documented_flow_maps(old_edges, new_edges):
    """D: our documented rules - pair on (from, to, condition), then on (from, to); ties by index."""
    def norm(edge):
        cond = edge["condition"] if "condition" in edge else {"name": "alwaysTrue"}
        return _names(edge.get("from"), False), _names(edge.get("to"), False), cond

    old = [norm(e) for e in old_edges]
    new = [norm(e) for e in new_edges]
    new_for_old, old_for_new = {}, {}
    for with_condition in (True, False):
        for i, (ofrom, oto, ocond) in enumerate(old):
            if i in new_for_old:
                continue
            for j, (nfrom, nto, ncond) in enumerate(new):
                if j in old_for_new:
                    continue
                if ofrom == nfrom and oto == nto and (not with_condition or ocond == ncond):
                    new_for_old[i], old_for_new[j] = j, i
                    break
    translation = {str(i): new_for_old.get(i) for i in range(len(old)) if new_for_old.get(i) != i}
    tainted = {str(i): {"from": old[i][0], "to": old[i][1], "condition_str": old[i][2]}
               for i in range(len(old)) if i not in new_for_old}
    tainting = {str(j): new[j][0] for j in range(len(new)) if j not in old_for_new and new[j][0]}
    return normalize_entry({"translation": translation, "tainted_edges": tainted, "tainting_nodes": tainting})


def selinon_flow_maps(old_edges, new_edges):
    """G: Selinon's own per-flow computation, on copies."""
    from selinon.migrations.migrator import Migrator
    translation, tainted, tainting = Migrator()._calculate_flow_migration(copy.deepcopy(old_edges),
                                                                          copy.deepcopy(new_edges))
    return normalize_entry({"translation": translation, "tainted_edges": tainted, "tainting_nodes": tainting})


def normalize_entry(entry):
    """A flow entry in comparable form: sets for set-valued lists, string keys."""
    if entry is None:
        return None
    translation = {str(k): v for k, v in entry["translation"].items()}
    tainted = {str(k): (frozenset(v["from"]), frozenset(v["to"]), as_written(v.get("condition_str")))
               for k, v in entry["tainted_edges"].items()}
    tainting = {str(k): frozenset(v) for k, v in entry["tainting_nodes"].items()}
    return {"translation": translation, "tainted_edges": tainted, "tainting_nodes": tainting}


def as_written(value):
    """A YAML value the way Selinon's dict2json writes and a JSON reader reads it back (dates become
    str(date), so the models compare with what the files contain)."""
    return json.loads(json.dumps(value, default=str))


def is_empty(entry):
    return not entry["translation"] and not entry["tainted_edges"] and not entry["tainting_nodes"]


def has_taint(entry):
    return bool(entry["tainted_edges"] or entry["tainting_nodes"])


def has_condition_duplicates(edges):
    """Two edges with equal from/to sets but different conditions (the D-5 precondition)."""
    shaped = [(_names(e.get("from"), False), _names(e.get("to"), False),
               e["condition"] if "condition" in e else {"name": "alwaysTrue"}) for e in edges]
    for i in range(len(shaped)):
        for j in range(i + 1, len(shaped)):
            if shaped[i][:2] == shaped[j][:2] and shaped[i][2] != shaped[j][2]:
                return True
    return False


def show_entry(entry):
    """A normalized entry as plain JSON-able data, for failure reports."""
    if entry is None:
        return None
    return {
        "translation": entry["translation"],
        "tainted_edges": {k: {"from": sorted(v[0], key=str), "to": sorted(v[1], key=str), "condition_str": v[2]}
                          for k, v in sorted(entry["tainted_edges"].items(), key=lambda kv: int(kv[0]))},
        "tainting_nodes": {k: sorted(v, key=str) for k, v in sorted(entry["tainting_nodes"].items(),
                                                                    key=lambda kv: int(kv[0]))},
    }


# ================================================================================================
# random configurations
# ================================================================================================

ARG_KEYS = ["mode", "env", "tier", "retry", ["opts", "mode"], ["items", 0]]
# Python-equal values with different spellings (1, 1.0, true) are in the pool on purpose, as are
# strings YAML 1.1 would resolve if unquoted, non-ASCII text and numbers whose JSON spelling is
# Python's repr (1e+20, 1e-07, -0.0, a 70-bit integer). They end up in tainted edges' condition_str.
ARG_VALUES = ["a", "b", "fast", "slow", "yes", "null", "1", 1, 2, 0, 1.0, 2.5, True, False, None, -3,
              "na\u00efve \u2603", "tab\there", 1e20, 1e-07, -0.0, 2 ** 70 + 1]
# --probe-values adds values that once broke our files or differed from Selinon: characters
# PyYAML's reader rejects or folds (DEL, C1 controls incl. NEL, U+FFFE; we escape them since),
# timestamps (written as Python's str(), with a space) and infinity (written as Infinity).
PROBE_VALUES = ["del\x7fchar", "c1\x80control", "nel\x85line", "bom\ufffe", float("inf"),
                datetime.date(2001, 12, 14), datetime.datetime(2001, 12, 14, 21, 59, 43, 100000)]
ENV_NAMES = ["COMPAT_FLAG", "DEPLOY_ENV", "REGION"]


def flow_id(name):
    return int(name[len("flow"):])


def is_flow_name(name):
    return name.startswith("flow")


class RandomConfig:
    """One version of a random configuration: flows (nodes-file order), name -> edges."""

    def __init__(self):
        self.flows = []          # names, in the nodes file's order
        self.defs = {}           # name -> list of {'from': [..], 'to': [..], 'cond': tree or None}
        self.next_task = 0
        self.next_flow = 0
        self.pool = 0            # tasks T0..T{pool-1} are reused across flows

    def clone(self):
        return copy.deepcopy(self)

    def tasks(self):
        used = set()
        for name in self.flows:
            for edge in self.defs[name]:
                used.update(n for n in edge["from"] + edge["to"] if not is_flow_name(n))
        return sorted(used, key=natural_key)


def random_leaf(rng):
    roll = rng.random()
    if roll < 0.40:
        return {"name": "argsFieldEqual", "args": {"key": copy.deepcopy(rng.choice(ARG_KEYS)),
                                                  "value": rng.choice(ARG_VALUES)}}
    if roll < 0.52:
        return {"name": "argsFieldNotEqual", "args": {"key": copy.deepcopy(rng.choice(ARG_KEYS)),
                                                     "value": rng.choice(ARG_VALUES)}}
    if roll < 0.67:
        return {"name": "argsFieldExist", "args": {"key": copy.deepcopy(rng.choice(ARG_KEYS))}}
    if roll < 0.75:
        return {"name": "envExist", "args": {"env": rng.choice(ENV_NAMES)}}
    if roll < 0.80:
        return {"name": "envEqual", "args": {"env": rng.choice(ENV_NAMES), "value": rng.choice(["x", "prod"])}}
    if roll < 0.86:
        return {"name": "argsIsDict"}
    if roll < 0.93:
        return {"name": "alwaysTrue"}
    return {"name": "alwaysFalse"}


def random_condition(rng, depth=0):
    roll = rng.random()
    if depth < 2 and roll < 0.15:
        return {"and": [random_condition(rng, depth + 1) for _ in range(rng.randint(2, 3))]}
    if depth < 2 and roll < 0.28:
        return {"or": [random_condition(rng, depth + 1) for _ in range(rng.randint(2, 3))]}
    if depth < 2 and roll < 0.38:
        return {"not": random_condition(rng, depth + 1)}
    return random_leaf(rng)


def effective(cond):
    return cond if cond is not None else {"name": "alwaysTrue"}


def different_condition(rng, cond):
    """A condition that differs (by Python value equality, as Selinon compares) from `cond`."""
    for _ in range(50):
        candidate = random_condition(rng) if rng.random() < 0.85 else None
        if effective(candidate) != effective(cond):
            return candidate
    return {"name": "argsFieldEqual", "args": {"key": "unique_%d" % rng.randint(0, 10 ** 6), "value": 1}}


def fresh_task(rng, cfg, started):
    unused = ["T%d" % i for i in range(cfg.pool) if "T%d" % i not in started]
    if unused and rng.random() < 0.8:
        return rng.choice(unused)
    name = "T%d" % cfg.next_task
    cfg.next_task += 1
    return name


def pick_destinations(rng, cfg, flow, started, count=None):
    count = count or rng.choice([1, 1, 1, 1, 2, 2, 3])
    sub_flows = [f for f in cfg.flows if flow_id(f) > flow_id(flow)]
    started_tasks = [n for n in started if not is_flow_name(n)]
    result = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.08 and sub_flows:
            name = rng.choice(sub_flows)
        elif roll < 0.40 and started_tasks:
            name = rng.choice(started_tasks)
        else:
            name = fresh_task(rng, cfg, started)
        if name not in result:
            result.append(name)
    return result


def started_nodes(edges):
    started = []
    for edge in edges:
        for name in edge["to"]:
            if name not in started:
                started.append(name)
    return started


def pick_sources(rng, started):
    k = min(len(started), rng.choice([1, 1, 1, 1, 2, 2, 3]))
    return rng.sample(started, k)


def random_edges(rng, cfg, flow, count):
    edges = [{"from": [], "to": pick_destinations(rng, cfg, flow, []),
              "cond": random_condition(rng) if rng.random() < 0.2 else None}]
    while len(edges) < count:
        started = started_nodes(edges)
        roll = rng.random()
        if roll < 0.10:
            # duplicate an existing edge with a different condition
            original = rng.choice(edges)
            edges.append({"from": list(original["from"]), "to": list(original["to"]),
                          "cond": different_condition(rng, original["cond"])})
        elif roll < 0.15:
            edges.append({"from": [], "to": pick_destinations(rng, cfg, flow, started),
                          "cond": random_condition(rng) if rng.random() < 0.3 else None})
        else:
            edges.append({"from": pick_sources(rng, started), "to": pick_destinations(rng, cfg, flow, started),
                          "cond": random_condition(rng) if rng.random() < 0.3 else None})
    return edges


def random_configuration(rng):
    cfg = RandomConfig()
    cfg.pool = rng.randint(4, 14)
    cfg.next_task = cfg.pool
    n_flows = rng.randint(1, 4)
    cfg.flows = ["flow%d" % i for i in range(n_flows)]
    cfg.next_flow = n_flows
    for name in cfg.flows:
        cfg.defs[name] = random_edges(rng, cfg, name, rng.randint(3, 15))
    return cfg


def config_problems(cfg):
    """Our own statement of the validity rules the generator must respect (empty list = valid)."""
    problems = []
    if not cfg.flows:
        problems.append("no flows")
    if set(cfg.flows) != set(cfg.defs):
        problems.append("flows list and definitions differ")
    for name in cfg.flows:
        edges = cfg.defs.get(name) or []
        if not edges:
            problems.append("%s: no edges" % name)
            continue
        if not any(not e["from"] for e in edges):
            problems.append("%s: no starting edge" % name)
        started = set(started_nodes(edges))
        for idx, edge in enumerate(edges):
            if not edge["to"]:
                problems.append("%s[%d]: empty to" % (name, idx))
            if len(set(edge["from"])) != len(edge["from"]) or len(set(edge["to"])) != len(edge["to"]):
                problems.append("%s[%d]: repeated name" % (name, idx))
            for node in edge["from"]:
                if node not in started:
                    problems.append("%s[%d]: source %s never started" % (name, idx, node))
            for node in edge["from"] + edge["to"]:
                if is_flow_name(node) and (node not in cfg.defs or flow_id(node) <= flow_id(name)):
                    problems.append("%s[%d]: bad sub-flow %s" % (name, idx, node))
    return problems


# --- edits --------------------------------------------------------------------------------------

def _dup_group_indices(edges):
    groups = {}
    for idx, edge in enumerate(edges):
        groups.setdefault((frozenset(edge["from"]), frozenset(edge["to"])), []).append(idx)
    return [i for members in groups.values() if len(members) > 1 for i in members]


def _pick_edge(rng, edges, predicate=lambda e: True):
    """An edge index, preferring (30 %) edges in a from/to duplicate group, which exercise D-5."""
    candidates = [i for i, e in enumerate(edges) if predicate(e)]
    if not candidates:
        return None
    dups = [i for i in _dup_group_indices(edges) if i in candidates]
    if dups and rng.random() < 0.3:
        return rng.choice(dups)
    return rng.choice(candidates)


def edit_add_edge(rng, cfg, tags):
    flow = rng.choice(cfg.flows)
    edges = cfg.defs[flow]
    position = rng.randint(0, len(edges))
    started = started_nodes(edges)
    if rng.random() < 0.12:
        sources = []
        tags.append("add_edge:starting")
    else:
        sources = pick_sources(rng, started)
    edge = {"from": sources, "to": pick_destinations(rng, cfg, flow, started),
            "cond": random_condition(rng) if rng.random() < 0.3 else None}
    edges.insert(position, edge)
    tags.append("add_edge:mid-list" if position < len(edges) - 1 else "add_edge:appended")
    return "%s: insert edge at %d" % (flow, position)


def edit_remove_edge(rng, cfg, tags):
    flow = rng.choice(cfg.flows)
    edges = cfg.defs[flow]
    if len(edges) < 2:
        return None
    idx = _pick_edge(rng, edges)
    del edges[idx]
    return "%s: remove edge %d" % (flow, idx)


def edit_reorder_swap(rng, cfg, tags):
    flow = rng.choice(cfg.flows)
    edges = cfg.defs[flow]
    if len(edges) < 2:
        return None
    i = _pick_edge(rng, edges)
    j = rng.choice([k for k in range(len(edges)) if k != i])
    edges[i], edges[j] = edges[j], edges[i]
    return "%s: swap edges %d and %d" % (flow, i, j)


def edit_reorder_move(rng, cfg, tags):
    flow = rng.choice(cfg.flows)
    edges = cfg.defs[flow]
    if len(edges) < 2:
        return None
    i = _pick_edge(rng, edges)
    j = rng.choice([k for k in range(len(edges)) if k != i])
    edges.insert(j, edges.pop(i))
    return "%s: move edge %d to %d" % (flow, i, j)


def edit_add_source(rng, cfg, tags):
    flow = rng.choice(cfg.flows)
    edges = cfg.defs[flow]
    started = started_nodes(edges)
    idx = _pick_edge(rng, edges, lambda e: e["from"] and set(started) - set(e["from"]))
    if idx is None:
        return None
    candidates = [n for n in started if n not in edges[idx]["from"]]
    edges[idx]["from"].insert(rng.randint(0, len(edges[idx]["from"])), rng.choice(candidates))
    return "%s: add source to edge %d" % (flow, idx)


def edit_remove_source(rng, cfg, tags):
    flow = rng.choice(cfg.flows)
    edges = cfg.defs[flow]
    idx = _pick_edge(rng, edges, lambda e: len(e["from"]) >= 2)
    if idx is None:
        return None
    edges[idx]["from"].pop(rng.randrange(len(edges[idx]["from"])))
    return "%s: remove source from edge %d" % (flow, idx)


def edit_add_destination(rng, cfg, tags):
    flow = rng.choice(cfg.flows)
    edges = cfg.defs[flow]
    idx = _pick_edge(rng, edges)
    new = [n for n in pick_destinations(rng, cfg, flow, started_nodes(edges), count=1) if n not in edges[idx]["to"]]
    if not new:
        return None
    edges[idx]["to"].insert(rng.randint(0, len(edges[idx]["to"])), new[0])
    return "%s: add destination %s to edge %d" % (flow, new[0], idx)


def edit_remove_destination(rng, cfg, tags):
    flow = rng.choice(cfg.flows)
    edges = cfg.defs[flow]
    idx = _pick_edge(rng, edges, lambda e: len(e["to"]) >= 2)
    if idx is None:
        return None
    removed = edges[idx]["to"].pop(rng.randrange(len(edges[idx]["to"])))
    return "%s: remove destination %s from edge %d" % (flow, removed, idx)


def edit_duplicate_edge(rng, cfg, tags):
    flow = rng.choice(cfg.flows)
    edges = cfg.defs[flow]
    idx = _pick_edge(rng, edges)
    original = edges[idx]
    copy_edge = {"from": list(original["from"]), "to": list(original["to"]),
                 "cond": different_condition(rng, original["cond"])}
    position = idx + 1 if rng.random() < 0.5 else rng.randint(0, len(edges))
    edges.insert(position, copy_edge)
    return "%s: duplicate edge %d with another condition at %d" % (flow, idx, position)


def edit_change_condition(rng, cfg, tags):
    flow = rng.choice(cfg.flows)
    edges = cfg.defs[flow]
    idx = _pick_edge(rng, edges)
    edges[idx]["cond"] = different_condition(rng, edges[idx]["cond"])
    return "%s: change condition of edge %d" % (flow, idx)


def edit_add_flow(rng, cfg, tags):
    name = "flow%d" % cfg.next_flow
    cfg.next_flow += 1
    cfg.flows.insert(rng.randint(0, len(cfg.flows)), name)
    cfg.defs[name] = random_edges(rng, cfg, name, rng.randint(3, 10))
    return "add flow %s" % name


def edit_remove_flow(rng, cfg, tags):
    if len(cfg.flows) < 2:
        return None
    name = rng.choice(cfg.flows)
    cfg.flows.remove(name)
    del cfg.defs[name]
    referenced = False
    for other in cfg.flows:
        kept = []
        for edge in cfg.defs[other]:
            if name in edge["to"] or name in edge["from"]:
                referenced = True
                edge["to"] = [n for n in edge["to"] if n != name]
                had_sources = bool(edge["from"])
                edge["from"] = [n for n in edge["from"] if n != name]
                if not edge["to"] or (had_sources and not edge["from"]):
                    continue  # drop the edge rather than leave it empty or turn it into a starting edge
            kept.append(edge)
        cfg.defs[other] = kept
    if referenced:
        tags.append("remove_flow:referenced")
    return "remove flow %s%s" % (name, " (and its references)" if referenced else "")


EDITS = {
    "add_edge": (edit_add_edge, 14),
    "remove_edge": (edit_remove_edge, 12),
    "reorder_swap": (edit_reorder_swap, 8),
    "reorder_move": (edit_reorder_move, 8),
    "add_source": (edit_add_source, 8),
    "remove_source": (edit_remove_source, 8),
    "add_destination": (edit_add_destination, 8),
    "remove_destination": (edit_remove_destination, 8),
    "duplicate_edge": (edit_duplicate_edge, 9),
    "change_condition": (edit_change_condition, 9),
    "add_flow": (edit_add_flow, 5),
    "remove_flow": (edit_remove_flow, 5),
}


def random_edits(rng, old):
    """The new version: 0-3 random edits (0 = only the spelling changes of `write_random_version`)."""
    new = old.clone()
    applied, tags = [], []
    n_edits = rng.choice([0, 1, 1, 1, 2, 2, 2, 3, 3]) if rng.random() > 0.04 else 0
    kinds = list(EDITS)
    weights = [EDITS[k][1] for k in kinds]
    attempts = 0
    while len(applied) < n_edits and attempts < 200:
        attempts += 1
        kind = rng.choices(kinds, weights)[0]
        candidate = new.clone()
        edit_tags = []
        description = EDITS[kind][0](rng, candidate, edit_tags)
        if description is None or config_problems(candidate):
            continue  # not applicable here, or it would make the configuration invalid: pick another
        new = candidate
        applied.append((kind, description))
        tags.extend(edit_tags)
    return new, applied, tags


# --- writing ------------------------------------------------------------------------------------

def shuffled_keys(rng, value):
    """The same YAML value with every mapping's key order shuffled (order must not matter)."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: shuffled_keys(rng, value[k]) for k in keys}
    if isinstance(value, list):
        return [shuffled_keys(rng, v) for v in value]
    return value


def edge_document(rng, edge):
    def names(values, allow_empty):
        if not values and allow_empty:
            return rng.choice([None, []])    # never '' (D-21)
        if len(values) == 1 and rng.random() < 0.5:
            return values[0]
        return rng.sample(values, len(values))

    parts = [("from", names(edge["from"], True)), ("to", names(edge["to"], False))]
    if edge["cond"] is not None:
        parts.append(("condition", shuffled_keys(rng, edge["cond"])))
    if rng.random() < 0.3:
        rng.shuffle(parts)
    return dict(parts)


def write_random_version(rng, cfg, root):
    """nodes.yml + 1-3 flow files; returns (nodes file, flow files in the order both tools get them)."""
    os.makedirs(os.path.join(root, "flows"))
    nodes = {
        "tasks": [{"name": t, "import": "compat_tasks"} for t in cfg.tasks()],
        "flows": rng.sample(cfg.flows, len(cfg.flows)),
    }
    nodes_path = os.path.join(root, "nodes.yml")
    with open(nodes_path, "w") as handle:
        yaml.safe_dump(nodes, handle, sort_keys=False)

    n_files = rng.randint(1, min(3, len(cfg.flows)))
    order = rng.sample(cfg.flows, len(cfg.flows))
    buckets = [[] for _ in range(n_files)]
    for i, name in enumerate(order):
        buckets[i if i < n_files else rng.randrange(n_files)].append(name)
    paths = []
    for i, bucket in enumerate(buckets):
        document = {"flow-definitions": [{"name": name, "edges": [edge_document(rng, e) for e in cfg.defs[name]]}
                                         for name in bucket]}
        path = os.path.join(root, "flows", "part%d.yml" % i)
        with open(path, "w") as handle:
            yaml.safe_dump(document, handle, sort_keys=False, default_flow_style=rng.choice([False, None]))
        paths.append(path)
    rng.shuffle(paths)  # load order matters to Selinon (D-3, D-20); both tools get the same order
    return nodes_path, paths


# ================================================================================================
# fixed cases: Selinon's generation tests (spec section 6.1) and the bundled example
# ================================================================================================

def _e(sources, destinations):
    return {"from": sources or None, "to": destinations}


SELINON_FLOWS_REMOVE_EDGE_OLD = {
    "flow1": [_e([], ["T1"]), _e(["T1"], ["T2"]), _e(["T2"], ["T3"])],
    "flow2": [_e([], ["T3"]), _e(["T3"], ["T4"])],
    "flow3": [_e([], ["T1"]), _e(["T1"], ["T2"]), _e(["T2"], ["T3"])],
    "flow4": [_e([], ["T1"]), _e(["T1"], ["T2"]), _e(["T2"], ["T3"]), _e(["T3"], ["T4"])],
    "flow5": [_e([], ["T1"]), _e(["T1"], ["T2"]), _e(["T2"], ["T3"]), _e(["T3"], ["T1"])],
    "flow6": [_e([], ["T1"]), _e([], ["T2"]), _e(["T1", "T2"], ["T3"])],
    "flow7": [_e([], ["T1"]), _e([], ["T2"]), _e(["T1", "T2"], ["T3"])],
}
SELINON_FLOWS_REMOVE_EDGE_NEW = {
    "flow1": [_e([], ["T2"]), _e(["T2"], ["T3"])],
    "flow2": [_e([], ["T3"])],
    "flow3": [_e([], ["T2"]), _e(["T2"], ["T3"])],
    "flow4": [_e([], ["T3"]), _e(["T3"], ["T1"])],
    "flow5": [_e([], ["T1"]), _e(["T1"], ["T3"]), _e(["T3"], ["T1"])],
    "flow6": [_e([], ["T1"]), _e(["T1"], ["T3"])],
    "flow7": [_e([], ["T1"]), _e([], ["T2"])],
}


def _x(translation, tainted, tainting):
    """Expected entry of the spec table: translation, tainted keys, tainting node sets."""
    return {"translation": {str(k): v for k, v in translation.items()},
            "tainted": {str(k) for k in tainted},
            "tainting": {str(k): frozenset(v) for k, v in tainting.items()}}


SELINON_CASES = [
    # name, strategy, old flows (nodes-file order = definition order), new flows, expected (None = not needed)
    ("no_change", "IGNORE",
     {"flow1": [_e([], ["T1"]), _e(["T1"], ["T2"])], "flow2": [_e([], ["T3"]), _e(["T3"], ["T4"])]},
     {"flow1": [_e([], ["T1"]), _e(["T1"], ["T2"])], "flow2": [_e([], ["T3"]), _e(["T3"], ["T4"])]},
     None),
    ("add_flow", "IGNORE",
     {"flow1": [_e([], ["T1"])], "flow2": [_e([], ["T1"])]},
     {"flow1": [_e([], ["T1"])]},
     None),
    ("add_from", "IGNORE",
     {"flow1": [_e([], ["T1", "T2"]), _e(["T2"], ["T3"])]},
     {"flow1": [_e([], ["T1", "T2"]), _e(["T1", "T2"], ["T3"])]},
     {"flow1": _x({1: None}, [1], {1: ["T1", "T2"]})}),
    ("remove_from", "IGNORE",
     {"flow1": [_e([], ["T1", "T2"]), _e(["T1", "T2"], ["T2"])]},
     {"flow1": [_e([], ["T1", "T2"]), _e(["T1"], ["T2"])]},
     {"flow1": _x({1: None}, [1], {1: ["T1"]})}),
    ("remove_edge", "RETRY", SELINON_FLOWS_REMOVE_EDGE_OLD, SELINON_FLOWS_REMOVE_EDGE_NEW,
     {"flow1": _x({0: None, 1: None, 2: 1}, [0, 1], {}),
      "flow2": _x({1: None}, [1], {}),
      "flow3": _x({0: None, 1: None, 2: 1}, [0, 1], {}),
      "flow4": _x({0: None, 1: None, 2: None, 3: None}, [0, 1, 2, 3], {1: ["T3"]}),
      "flow5": _x({1: None, 2: None, 3: 2}, [1, 2], {1: ["T1"]}),
      "flow6": _x({1: None, 2: None}, [1, 2], {1: ["T1"]}),
      "flow7": _x({2: None}, [2], {})}),
    ("add_edge", "FAIL", SELINON_FLOWS_REMOVE_EDGE_NEW, SELINON_FLOWS_REMOVE_EDGE_OLD,
     {"flow1": _x({0: None, 1: 2}, [0], {1: ["T1"]}),
      "flow2": _x({}, [], {1: ["T3"]}),
      "flow3": _x({0: None, 1: 2}, [0], {1: ["T1"]}),
      "flow4": _x({0: None, 1: None}, [0, 1], {1: ["T1"], 2: ["T2"], 3: ["T3"]}),
      "flow5": _x({1: None, 2: 3}, [1], {1: ["T1"], 2: ["T2"]}),
      "flow6": _x({1: None}, [1], {2: ["T1", "T2"]}),
      "flow7": _x({}, [], {2: ["T1", "T2"]})}),
]


def _c(sources, destinations, value):
    edge = _e(sources, destinations)
    edge["condition"] = {"name": "argsFieldEqual", "args": {"key": "v", "value": value}}
    return edge


# --probe-values only: conditions that are equal for Python (1 == True, as Selinon and its predicates
# compare) but spelled differently. Our pairing treats them as different, so it reports a
# translation {1: 2, 2: 1} that neither Selinon nor the Python-equality reading of our documented
# rule produces.
PROBE_CASES = [
    ("probe condition equality 1 vs true", "IGNORE",
     {"flow1": [_e([], ["T1"]), _c(["T1"], ["T2"], 1), _c(["T1"], ["T2"], 2)]},
     {"flow1": [_e([], ["T1"]), _c(["T1"], ["T2"], True), _c(["T1"], ["T2"], 1)]},
     None),
]


def write_fixed_version(flows, root):
    os.makedirs(os.path.join(root, "flows"))
    tasks = sorted({n for edges in flows.values() for e in edges for n in (e["from"] or []) + e["to"]},
                   key=natural_key)
    with open(os.path.join(root, "nodes.yml"), "w") as handle:
        yaml.safe_dump({"tasks": [{"name": t, "import": "test_tasks"} for t in tasks], "flows": list(flows)},
                       handle, sort_keys=False)
    path = os.path.join(root, "flows", "flows.yaml")
    with open(path, "w") as handle:
        yaml.safe_dump({"flow-definitions": [{"name": n, "edges": e} for n, e in flows.items()]},
                       handle, sort_keys=False)
    return os.path.join(root, "nodes.yml"), [path]


# ================================================================================================
# running both tools
# ================================================================================================

class Case:
    def __init__(self, name, kind):
        self.name = name
        self.kind = kind                 # example | selinon | random
        self.strategy = "IGNORE"
        self.old_nodes = self.new_nodes = None
        self.old_files = self.new_files = None   # what Selinon gets (and, for fixed cases, the files below)
        self.old_args = self.new_args = None     # what our tool gets for -F/-f
        self.edits = []
        self.tags = []
        self.expected = "unset"
        self.problems = []
        self.defects = set()
        self.notes = set()
        self.rules = set()
        self.differs = False
        self.loads = None                # None: no file of ours to load; True/False: check A result
        self.selinon_not_needed = False  # Selinon raised MigrationNotNeeded


def run_ours(binary, case):
    command = [binary, "generate", "-N", case.old_nodes]
    for path in case.old_args:
        command += ["-F", path]
    command += ["-n", case.new_nodes]
    for path in case.new_args:
        command += ["-f", path]
    command += ["--dry-run", "--no-meta", "-t", case.strategy]
    # Into an empty migration directory of its own: the examples name `migrations`, which in
    # the repository already holds these very migrations (the dry run would then say that a
    # real run refuses to write them again, and exit 1 as that run would).
    with tempfile.TemporaryDirectory() as scratch:
        command += ["-m", os.path.join(scratch, "migrations")]
        proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    return proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace")


def run_selinon(case, workdir):
    from selinon.errors import MigrationNotNeeded
    from selinon.migrations.migrator import Migrator
    from selinon.migrations.tainted_flow_strategy import TaintedFlowStrategy

    migration_dir = os.path.join(workdir, "selinon-migrations")
    os.mkdir(migration_dir)
    migrator = Migrator(migration_dir=migration_dir)
    try:
        path = migrator.create_migration_file(case.old_nodes, list(case.old_files), case.new_nodes,
                                              list(case.new_files), TaintedFlowStrategy[case.strategy],
                                              add_meta=False)
    except MigrationNotNeeded:
        return None, list(migrator.old_flow_definitions)
    with open(path) as handle:
        return json.load(handle), list(migrator.old_flow_definitions)


def same_as_runtime_reads(json_value, yaml_value, case):
    """Whether YAML 1.1 reads our JSON as the same value. One loss is shared with Selinon and accepted:
    a float that Python's json writes in exponent form without a '.' (1e+20, 1e-07) is a string to
    YAML 1.1; Selinon writes the very same text (our spelling is checked against json.dumps by F)."""
    if isinstance(json_value, dict):
        return isinstance(yaml_value, dict) and json_value.keys() == yaml_value.keys() and \
            all(same_as_runtime_reads(json_value[k], yaml_value[k], case) for k in json_value)
    if isinstance(json_value, list):
        return isinstance(yaml_value, list) and len(json_value) == len(yaml_value) and \
            all(same_as_runtime_reads(a, b, case) for a, b in zip(json_value, yaml_value))
    if isinstance(json_value, float) and isinstance(yaml_value, str) and yaml_value == json.dumps(json_value) \
            and "." not in yaml_value:
        case.notes.add("exponent float read as string by YAML 1.1 (same bytes as Selinon)")
        return True
    return type(json_value) is type(yaml_value) and json_value == yaml_value


def check_loadability(case, our_bytes, ours, old_edges, workdir):
    """Check A: our file as 1.json in Selinon's runtime."""
    from selinon.migrations.migrator import Migrator

    # Selinon's runtime reads migration files with yaml.safe_load, not a JSON parser.
    try:
        seen_by_runtime = yaml.safe_load(our_bytes.decode("utf-8"))
    except Exception as exc:  # pylint: disable=broad-except
        seen_by_runtime = "%s: %s" % (type(exc).__name__, str(exc).splitlines()[0])
    if not isinstance(seen_by_runtime, str) and not same_as_runtime_reads(ours, seen_by_runtime, case):
        seen_by_runtime = "content differs (e.g. a string changed)"
    if isinstance(seen_by_runtime, str):
        case.problems.append("A: Selinon's runtime (yaml.safe_load) does not read our file as the JSON it is: %s"
                             % seen_by_runtime)
        case.loads = False
    migration_dir = os.path.join(workdir, "our-migrations")
    os.mkdir(migration_dir)
    with open(os.path.join(migration_dir, "1.json"), "wb") as handle:
        handle.write(our_bytes)
    for flow, entry in sorted(ours["migration"].items()):
        if flow not in old_edges:
            case.problems.append("A: our file has an entry for %r, which the old configuration does not define" % flow)
            continue
        n_edges = len(old_edges[flow])
        state = {"active_nodes": [], "finished_nodes": {}, "failed_nodes": {},
                 "waiting_edges": list(range(n_edges)), "triggered_edges": []}
        expected = [entry["translation"].get(str(i), i) for i in range(n_edges)]
        expected = [i for i in expected if i is not None]
        try:
            new_state, version, tainted = Migrator(migration_dir).perform_migration(flow, state, migration_version=0)
        except Exception as exc:  # pylint: disable=broad-except
            case.problems.append("A: Selinon's runtime failed on our file for flow %r: %s: %s"
                                 % (flow, type(exc).__name__, exc))
            case.loads = False
            continue
        if new_state["waiting_edges"] != expected or version != 1 or tainted or new_state["triggered_edges"]:
            case.problems.append("A: Selinon's runtime migrated flow %r to waiting %r, version %r, tainted %r; "
                                 "expected waiting %r, version 1, untainted"
                                 % (flow, new_state["waiting_edges"], version, tainted, expected))
            case.loads = False


def check_format(case, our_bytes, ours):
    """Check F: Selinon's dict2json layout, set-valued lists sorted."""
    # Selinon's dict2json: json.dumps(sort_keys=True, indent=2, separators=(',', ': ')), no trailing
    # newline, non-ASCII escaped. Our writer deliberately ends the file with exactly one newline and
    # writes non-ASCII text as UTF-8, except the characters a YAML 1.1 reader rejects or folds,
    # which it escapes (whether Selinon's runtime reads it all back unchanged is part of check A).
    # Everything else must be byte-identical.
    layout = json.dumps(ours, sort_keys=True, indent=2, separators=(",", ": "), ensure_ascii=False)
    layout = re.sub("[\x7f-\x9f\u2028\u2029\ufffe\uffff]", lambda m: "\\u%04x" % ord(m.group(0)), layout)
    if layout.encode("utf-8") + b"\n" != our_bytes:
        case.problems.append("F: our bytes are not Selinon's dict2json layout (sorted keys, indent 2; here with "
                             "UTF-8 unescaped) followed by exactly one newline")
    for flow, entry in ours["migration"].items():
        lists = [v["from"] for v in entry["tainted_edges"].values()] + [v["to"] for v in entry["tainted_edges"].values()]
        lists += list(entry["tainting_nodes"].values())
        if any(lst != sorted(lst) for lst in lists):
            case.problems.append("F: flow %r has an unsorted set-valued list" % flow)


def attribute_flow(case, flow, sel_entry, our_entry, ctx):
    """Per-flow comparison and defect attribution (see the module docstring). Returns True if equal."""
    S, O = normalize_entry(sel_entry), normalize_entry(our_entry)
    if flow not in ctx["both"]:
        if S is not None or O is not None:
            case.problems.append("B: flow %r is not defined in both configurations but has an entry "
                                 "(Selinon: %s, ours: %s)" % (flow, S is not None, O is not None))
        return S == O
    G, D = ctx["G"][flow], ctx["D"][flow]
    recorded = ctx["recorded"](flow)
    expected_ours = D if not is_empty(D) else None
    expected_selinon = G if recorded else None
    if O != expected_ours:
        case.problems.append("B: flow %r: our entry deviates from our documented rules\n  ours:     %s\n  expected: %s"
                             % (flow, json.dumps(show_entry(O), default=str), json.dumps(show_entry(expected_ours), default=str)))
        return False
    if S != expected_selinon:
        case.problems.append("B: flow %r: Selinon's entry is not what the reference model of Selinon predicts\n"
                             "  Selinon: %s\n  model:   %s"
                             % (flow, json.dumps(show_entry(S), default=str), json.dumps(show_entry(expected_selinon), default=str)))
        return False
    if S == O:
        return True

    tags = set()
    if G != D:
        if ctx["dup_conditions"](flow):
            tags.add("D-5")
            case.rules.add("D-5 condition-blind greedy pairing")
        else:
            case.problems.append("B: flow %r: the pairings differ but neither version has two edges with equal "
                                 "from/to and different conditions" % flow)
            return False
    if (S is None) != (O is None):
        if S is None and not has_taint(O) and not recorded:
            tags.add("D-3")      # (i) skipped: only translation changes, before the first recorded flow
            case.rules.add("D-3 (i) translation-only flow skipped before Selinon's first recorded flow")
        elif O is None and S is not None and is_empty(S) and recorded:
            tags.add("D-3")      # (ii) recorded with three empty maps after the first recorded flow
            case.rules.add("D-3 (ii) empty entry recorded after Selinon's first recorded flow")
        elif "D-5" not in tags:
            case.problems.append("B: flow %r: entry present in one output only, not the D-3 situation\n"
                                 "  Selinon: %s\n  ours:    %s" % (flow, json.dumps(show_entry(S), default=str),
                                                                    json.dumps(show_entry(O), default=str)))
            return False
    if not tags:
        case.problems.append("B: flow %r: unexplained difference\n  Selinon: %s\n  ours:    %s"
                             % (flow, json.dumps(show_entry(S), default=str), json.dumps(show_entry(O), default=str)))
        return False
    case.defects.update(tags)
    return False


def check_expected_table(case, selinon, ours):
    """For Selinon's own test cases: both outputs against the spec 6.1 table."""
    for label, output in (("Selinon", selinon), ("ours", ours)):
        if case.expected is None:
            if output is not None and label == "ours":
                case.problems.append("T: %s: spec 6.1 expects no migration, ours printed one" % case.name)
            if output is not None and label == "Selinon":
                case.problems.append("T: %s: spec 6.1 expects MigrationNotNeeded, Selinon wrote a file" % case.name)
            continue
        if output is None:
            case.problems.append("T: %s: %s produced no migration, spec 6.1 expects one" % (case.name, label))
            continue
        if output["tainted_flow_strategy"] != case.strategy:
            case.problems.append("T: %s: %s strategy %r" % (case.name, label, output["tainted_flow_strategy"]))
        flows = output["migration"]
        if set(flows) != set(case.expected):
            case.problems.append("T: %s: %s flows %s, spec 6.1 expects %s"
                                 % (case.name, label, sorted(flows), sorted(case.expected)))
            continue
        for flow, exp in case.expected.items():
            entry = normalize_entry(flows[flow])
            if set(entry["tainted_edges"]) != exp["tainted"] or entry["tainting_nodes"] != exp["tainting"] \
                    or entry["translation"] != exp["translation"]:
                case.problems.append("T: %s: %s flow %s differs from spec 6.1: %s"
                                     % (case.name, label, flow, json.dumps(show_entry(entry), default=str)))


def run_case(binary, case, workdir, timings):
    started = time.perf_counter()
    rc, our_bytes, our_stderr = run_ours(binary, case)
    timings["ours"] += time.perf_counter() - started
    if rc != 0:
        case.problems.append("our tool exited %d (a configuration was rejected%s):\n%s"
                             % (rc, " - a bug in this generator" if case.kind == "random" else "", our_stderr))
        return None, None
    if our_bytes:
        try:
            ours = json.loads(our_bytes.decode("utf-8"))
        except ValueError as exc:
            case.problems.append("our output is not JSON: %s" % exc)
            return None, None
    else:
        ours = None
        # A removal --no-meta cannot record writes no file either, and says so.
        if "No flow changes need a migration" not in our_stderr and "No migration file written" not in our_stderr:
            case.problems.append("our tool printed nothing but did not say that no migration is needed")

    started = time.perf_counter()
    try:
        selinon, load_order = run_selinon(case, workdir)
    except Exception as exc:  # pylint: disable=broad-except
        case.problems.append("Selinon's generator failed: %s: %s" % (type(exc).__name__, exc))
        return ours, None
    timings["selinon"] += time.perf_counter() - started
    case.selinon_not_needed = selinon is None

    old_edges = load_flow_edges(case.old_files)
    new_edges = load_flow_edges(case.new_files)
    old_listed, new_listed = set(listed_flows(case.old_nodes)), set(listed_flows(case.new_nodes))
    both = {f for f in old_listed & new_listed if f in old_edges and f in new_edges}
    ctx = {"both": both,
           "G": {f: selinon_flow_maps(old_edges[f], new_edges[f]) for f in both},
           "D": {f: documented_flow_maps(old_edges[f], new_edges[f]) for f in both},
           "dup_conditions": lambda f: has_condition_duplicates(old_edges[f]) or has_condition_duplicates(new_edges[f])}
    # Selinon's recording rule (D-3): from the first flow in load order with tainted/tainting entries on.
    processed = [f for f in load_order if f in both]
    first = next((i for i, f in enumerate(processed) if has_taint(ctx["G"][f])), None)
    ctx["recorded"] = lambda f: first is not None and f in processed and processed.index(f) >= first

    started = time.perf_counter()
    if ours is not None:
        case.loads = True
        check_loadability(case, our_bytes, ours, old_edges, workdir)
        check_format(case, our_bytes, ours)
        if ours.get("tainted_flow_strategy") != case.strategy:
            case.problems.append("our strategy is %r, expected %r" % (ours.get("tainted_flow_strategy"), case.strategy))
    if selinon is not None and selinon.get("tainted_flow_strategy") != case.strategy:
        case.problems.append("Selinon's strategy is %r" % selinon.get("tainted_flow_strategy"))
    sel_flows = (selinon or {}).get("migration", {})
    our_flows = (ours or {}).get("migration", {})
    for flow in sorted(set(sel_flows) | set(our_flows) | both):
        if not attribute_flow(case, flow, sel_flows.get(flow), our_flows.get(flow), ctx):
            case.differs = True
    if case.expected != "unset":
        check_expected_table(case, selinon, ours)
    timings["checks"] += time.perf_counter() - started
    return ours, selinon


# ================================================================================================
# main
# ================================================================================================

def build_cases(args, root):
    cases = []
    # (a) the bundled example
    versions = sorted((d for d in os.listdir(EXAMPLE_DIR) if re.fullmatch(r"v\d+", d)), key=natural_key)
    for old, new in zip(versions, versions[1:]):
        case = Case("example %s->%s" % (old, new), "example")
        for side, version in (("old", old), ("new", new)):
            directory = os.path.join(EXAMPLE_DIR, version)
            setattr(case, side + "_nodes", os.path.join(directory, "nodes.yml"))
            setattr(case, side + "_files", flow_files_below(os.path.join(directory, "flows")))
            setattr(case, side + "_args", [os.path.join(directory, "flows")])
        cases.append(case)
    # (b) Selinon's own generation tests (spec 6.1)
    fixed = [("selinon", c) for c in SELINON_CASES] + [("probe", c) for c in (PROBE_CASES if args.probe_values else [])]
    for origin, (name, strategy, old_flows, new_flows, expected) in fixed:
        case = Case("selinon %s" % name if origin == "selinon" else name, origin)
        case.strategy = strategy
        if origin == "selinon":
            case.expected = expected
        base = os.path.join(root, "%s-%s" % (origin, re.sub(r"\W+", "_", name)))
        case.old_nodes, case.old_files = write_fixed_version(old_flows, os.path.join(base, "old"))
        case.new_nodes, case.new_files = write_fixed_version(new_flows, os.path.join(base, "new"))
        case.old_args, case.new_args = case.old_files, case.new_files
        cases.append(case)
    # (c) random pairs
    for i in range(args.cases):
        rng = random.Random("%s:%d" % (args.seed, i))
        old = random_configuration(rng)
        problems = config_problems(old)
        if problems:
            raise AssertionError("generator produced an invalid configuration: %s" % problems)
        new, edits, tags = random_edits(rng, old)
        case = Case("random #%d (seed %s)" % (i, args.seed), "random")
        case.edits, case.tags = edits, tags
        case.strategy = rng.choice(["IGNORE", "IGNORE", "RETRY", "FAIL"])
        base = os.path.join(root, "random-%d" % i)
        case.old_nodes, case.old_files = write_random_version(rng, old, os.path.join(base, "old"))
        case.new_nodes, case.new_files = write_random_version(rng, new, os.path.join(base, "new"))
        case.old_args, case.new_args = case.old_files, case.new_files
        cases.append(case)
    return cases


def selinon_validate(cases):
    """Every configuration we wrote, validated by Selinon in a fresh interpreter each."""
    from concurrent.futures import ThreadPoolExecutor
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.dont_write_bytecode = True
    import validate_examples  # pylint: disable=import-outside-toplevel

    dirs = sorted({os.path.dirname(getattr(c, side + "_nodes")) for c in cases if c.kind != "example"
                   for side in ("old", "new")})
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as pool:
        reports = list(pool.map(validate_examples.run_child, dirs))
    failures = ["Selinon rejects generated configuration %s: %s" % (r["dir"], r["errors"] + r["warnings"])
                for r in reports if r["errors"] or r["warnings"]]
    print("Selinon validated %d generated configurations: %d with errors or warnings" % (len(dirs), len(failures)))
    return failures


def dump_case(case, ours, selinon):
    out = io.StringIO()
    out.write("=" * 100 + "\nFAILED: %s\n" % case.name)
    for kind, description in case.edits:
        out.write("  edit %s: %s\n" % (kind, description))
    for problem in case.problems:
        out.write("  " + problem.replace("\n", "\n  ") + "\n")
    for side in ("old", "new"):
        out.write("--- %s configuration: %s\n" % (side, getattr(case, side + "_nodes")))
        with open(getattr(case, side + "_nodes")) as handle:
            out.write(handle.read())
        for path in getattr(case, side + "_files"):
            out.write("--- %s flows (in load order): %s\n" % (side, path))
            with open(path) as handle:
                out.write(handle.read())
    out.write("--- Selinon's migration:\n%s\n" % (json.dumps(selinon, indent=2, sort_keys=True, default=list)
                                                  if selinon is not None else "MigrationNotNeeded"))
    out.write("--- our migration:\n%s\n" % (json.dumps(ours, indent=2, sort_keys=True)
                                           if ours is not None else "(none: no migration needed)"))
    return out.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.environ.get("SELINON_MIGRATE_BINARY")
                        or os.path.join(REPO_ROOT, ".build", "debug", "selinon-migrate"),
                        help="the selinon-migrate executable (default: $SELINON_MIGRATE_BINARY, "
                             "else .build/debug/selinon-migrate)")
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES, help="number of random cases (default %(default)s)")
    parser.add_argument("--seed", default=str(DEFAULT_SEED), help="seed of the random cases (default %(default)s)")
    parser.add_argument("--keep", metavar="DIR", help="write the cases into DIR and keep them")
    parser.add_argument("--selinon-validate", action="store_true",
                        help="also validate every generated configuration with Selinon itself "
                             "(compat/validate_examples.py --one: System.from_files with the consistency check, "
                             "worker code generation; any error or warning fails); slow")
    parser.add_argument("--probe-values", action="store_true",
                        help="also use condition values our tool is known to write differently from Selinon "
                             "(control characters, timestamps, infinity); expected to fail until that is fixed")
    parser.add_argument("--verbose", action="store_true", help="print every case's result")
    args = parser.parse_args(argv)

    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        print("FAIL: %s is not an executable (build it, or pass --binary / set SELINON_MIGRATE_BINARY)" % binary)
        return 1
    try:
        import selinon  # noqa: F401  pylint: disable=unused-import
        from selinon.migrations.migrator import Migrator  # noqa: F401  pylint: disable=unused-import
    except ImportError as exc:
        print("FAIL: Selinon is not importable from %s (%s); run this with the Selinon venv's python"
              % (sys.executable, exc))
        return 1
    logging.disable(logging.CRITICAL)   # Selinon logs every migration it computes
    if args.probe_values:
        ARG_VALUES.extend(PROBE_VALUES)

    began = time.perf_counter()
    root = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="generate-compat-")
    if args.keep:
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
    timings = Counter()
    try:
        cases = build_cases(args, root)
        timings["build"] = time.perf_counter() - began
        failures = []
        if args.selinon_validate:
            failures += selinon_validate(cases)
        for index, case in enumerate(cases):
            workdir = os.path.join(root, "work-%d" % index)
            os.makedirs(workdir)
            ours, selinon = run_case(binary, case, workdir, timings)
            if case.problems:
                failures.append(dump_case(case, ours, selinon))
            if args.verbose:
                state = "FAIL" if case.problems else ("differs " + ",".join(sorted(case.defects)) if case.differs
                                                      else "identical")
                print("%-28s %s%s" % (case.name, state,
                                      "" if not case.edits else "  [" + "; ".join(d for _, d in case.edits) + "]"))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    for report in failures:
        print(report)

    kinds = Counter(case.kind for case in cases)
    failed = [case for case in cases if case.problems]
    ok = [case for case in cases if not case.problems]
    with_file = [case for case in cases if case.loads is not None]
    loadable = sum(1 for case in with_file if case.loads)
    identical = sum(1 for case in ok if not case.differs)
    documented = [case for case in ok if case.differs]
    defect_counts = Counter(d for case in documented for d in case.defects)
    edit_counts = Counter(kind for case in cases for kind, _ in case.edits)
    edit_cases = Counter(kind for case in cases for kind in {k for k, _ in case.edits})
    tag_counts = Counter(tag for case in cases for tag in case.tags)
    no_edit = sum(1 for case in cases if case.kind == "random" and not case.edits)

    print("edit kinds (edits / random cases with at least one): "
          + ", ".join("%s %d/%d" % (k, edit_counts[k], edit_cases[k]) for k in EDIT_KINDS)
          + "; spelling-only cases %d" % no_edit)
    print("edit details: " + ", ".join("%s %d" % (k, v) for k, v in sorted(tag_counts.items())))
    differ_by = Counter(case.kind for case in documented)
    rule_counts = Counter(r for case in documented for r in case.rules)
    if rule_counts:
        print("attribution rules used (cases): " + "; ".join("%s: %d" % kv for kv in sorted(rule_counts.items())))
    not_needed = [case for case in cases if case.selinon_not_needed]
    printed = [case for case in not_needed if case.loads is not None]
    print("Selinon's MigrationNotNeeded: %d cases; we printed nothing in %d, a migration in %d (%s)"
          % (len(not_needed), len(not_needed) - len(printed), len(printed),
             ", ".join("%s: %d" % kv for kv in sorted(Counter(d for c in printed for d in c.defects).items()))
             + ("; %d unexplained" % sum(1 for c in printed if c.problems) if any(c.problems for c in printed) else "")
             if printed else "-"))
    note_counts = Counter(n for case in cases for n in case.notes)
    if note_counts:
        print("accepted shared behaviour: " + "; ".join("%s: %d cases" % kv for kv in sorted(note_counts.items())))
    print("cases differing only by documented defects, by origin: "
          + (", ".join("%s %d" % kv for kv in sorted(differ_by.items())) or "none"))
    elapsed = time.perf_counter() - began
    print("time: %.1f s total (building cases %.1f s, our binary %.1f s for %d runs, Selinon's generator %.1f s, "
          "checks incl. Selinon's runtime %.1f s)" % (elapsed, timings["build"], timings["ours"], len(cases),
                                                       timings["selinon"], timings["checks"]))
    if kinds["probe"]:
        print("probe cases: %d (--probe-values)" % kinds["probe"])
    print("generate compatibility: %d cases (%d examples, %d Selinon cases, %d random): %s load in Selinon's runtime; "
          "%d identical, %d differ only by documented defects (%s); %d unexplained"
          % (len(cases), kinds["example"], kinds["selinon"], kinds["random"],
             "%d of our %d files" % (loadable, len(with_file)), identical, len(documented),
             ", ".join("%s: %d" % (d, defect_counts[d]) for d in sorted(defect_counts, key=natural_key)) or "none",
             len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
