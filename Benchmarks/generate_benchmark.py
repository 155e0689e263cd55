#!/usr/bin/env python3
"""Benchmark `selinon-migrate generate` against Selinon 1.4's own migration generator.

This is a benchmark, not a test. It builds deterministic synthetic configurations (an old and a
new version, about 5 % of the edges of every flow edited), then times in the same run

* ours:    the full CLI, `selinon-migrate generate ... --no-meta`, writing a real migration file
           into a fresh empty migration directory (wall clock of the process);
* Selinon: `Migrator(dir).create_migration_file(...)` in-process, timed around that call only
           (no interpreter start-up and no consistency check: this favours Selinon);
* context: our `validate` of the new configuration, our `generate --no-check`, and optionally
           (`--selinon-cli`) `selinon-cli migrate --no-meta` as a subprocess (with its check).

Each figure is the median of N repetitions (our commands after one warm-up run). Finally it checks
that both generators recorded the same flows, so that both timed the same work.

Usage (from the repository root, with the Selinon virtual environment's python):

    /tmp/selinon-venv/bin/python Benchmarks/generate_benchmark.py --binary .build/release/selinon-migrate
"""

import argparse
import json
import logging
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TARGET = 100.0  # we want to be at least this many times faster than Selinon

SHAPES = [
    # (label, flows, edges per flow)
    ("200 flows × 200 edges", 200, 200),
    ("20 flows × 2,000 edges", 20, 2000),
]

FLOW_FILES = 10          # flow definitions are split over this many files
EDIT_FRACTION = 0.05     # edits per flow, relative to its edge count
CONDITION_FRACTION = 1 / 3


# --------------------------------------------------------------------------------------------
# Synthetic configurations
# --------------------------------------------------------------------------------------------

def _random_condition(rng):
    return rng.randrange(10)  # the N of `value: mN`


def _sources(rng, started):
    """One or two distinct nodes among `started` (nodes started by earlier edges)."""
    count = 2 if len(started) > 1 and rng.random() < 0.3 else 1
    return rng.sample(started, count)


def _old_flow(rng, tasks, edges):
    """Edges of one flow: edge 0 starts tasks[0]; edge i starts tasks[i] after 1-2 earlier nodes."""
    flow = [{"from": [], "to": [tasks[0]], "cond": None}]
    for index in range(1, edges):
        flow.append({
            "from": _sources(rng, tasks[:index]),
            "to": [tasks[index]],
            "cond": _random_condition(rng) if rng.random() < CONDITION_FRACTION else None,
        })
    return flow


def _edit_flow(rng, flow, spare_tasks):
    """Return a copy of `flow` with about EDIT_FRACTION of its edges edited.

    Edits keep the flow valid for Selinon: every source is started by an earlier edge, edge 0
    stays the only starting edge, removed edges are leaves (their node is nobody's source).
    """
    flow = [{"from": list(edge["from"]), "to": list(edge["to"]), "cond": edge["cond"]} for edge in flow]
    spare = list(spare_tasks)
    edits = max(1, round(EDIT_FRACTION * len(flow)))
    kinds = (["add"] * 6 + ["remove"] * 4 + ["reorder"] * 4 + ["add_source"] * 2 + ["remove_source"] * 2
             + ["condition"] * 1)
    done = 0
    attempts = 0
    while done < edits and attempts < 100 * edits:
        attempts += 1
        kind = rng.choice(kinds)
        if kind == "add" and spare:
            position = rng.randrange(1, len(flow) + 1)
            started = [node for edge in flow[:position] for node in edge["to"]]
            flow.insert(position, {
                "from": _sources(rng, started),
                "to": [spare.pop()],
                "cond": _random_condition(rng) if rng.random() < CONDITION_FRACTION else None,
            })
        elif kind == "remove":
            index = rng.randrange(1, len(flow))
            used_as_source = {node for edge in flow for node in edge["from"]}
            if any(node in used_as_source for node in flow[index]["to"]):
                continue
            del flow[index]
        elif kind == "reorder":
            index = rng.randrange(1, len(flow))
            edge = flow.pop(index)
            flow.insert(rng.randrange(1, len(flow) + 1), edge)
        elif kind == "add_source":
            index = rng.randrange(2, len(flow))
            edge = flow[index]
            if len(edge["from"]) != 1:
                continue
            candidates = [node for earlier in flow[:index] for node in earlier["to"]
                          if node not in edge["from"] and node not in edge["to"]]
            if not candidates:
                continue
            edge["from"].append(rng.choice(candidates))
        elif kind == "remove_source":
            index = rng.randrange(1, len(flow))
            edge = flow[index]
            if len(edge["from"]) != 2:
                continue
            edge["from"].pop(rng.randrange(2))
        elif kind == "condition":
            edge = flow[rng.randrange(1, len(flow))]
            if edge["cond"] is None:
                edge["cond"] = _random_condition(rng)
            elif rng.random() < 0.5:
                edge["cond"] = None
            else:
                edge["cond"] = (edge["cond"] + 1 + rng.randrange(9)) % 10
        else:
            continue
        done += 1
    return flow


def _edge_yaml(edge, out):
    sources = edge["from"]
    if not sources:
        out.append("      - from:\n")
    elif len(sources) == 1:
        out.append("      - from: %s\n" % sources[0])
    else:
        out.append("      - from: [%s]\n" % ", ".join(sources))
    out.append("        to: %s\n" % edge["to"][0] if len(edge["to"]) == 1
               else "        to: [%s]\n" % ", ".join(edge["to"]))
    if edge["cond"] is not None:
        out.append("        condition:\n          name: argsFieldEqual\n"
                   "          args: {key: mode, value: m%d}\n" % edge["cond"])


def _write_version(directory, task_count, flows, migration_dir):
    """Write nodes.yml and flows/flows-K.yml; return (nodes path, sorted flow file paths, bytes)."""
    os.makedirs(os.path.join(directory, "flows"))
    nodes = ["tasks:\n"]
    for task in range(task_count):
        nodes.append("  - name: Task%d\n    import: bench.tasks\n" % task)
    nodes.append("flows:\n")
    for name in flows:
        nodes.append("  - %s\n" % name)
    nodes.append("global:\n  migration_dir: %s\n" % migration_dir)
    nodes_path = os.path.join(directory, "nodes.yml")
    with open(nodes_path, "w") as handle:
        handle.write("".join(nodes))
    size = os.path.getsize(nodes_path)

    names = list(flows)
    per_file = -(-len(names) // FLOW_FILES)
    flow_paths = []
    for number in range(FLOW_FILES):
        chunk = names[number * per_file:(number + 1) * per_file]
        if not chunk:
            break
        out = ["flow-definitions:\n"]
        for name in chunk:
            out.append("  - name: %s\n    edges:\n" % name)
            for edge in flows[name]:
                _edge_yaml(edge, out)
        path = os.path.join(directory, "flows", "flows-%02d.yml" % number)
        with open(path, "w") as handle:
            handle.write("".join(out))
        size += os.path.getsize(path)
        flow_paths.append(path)
    return nodes_path, flow_paths, size


def build_shape(root, flow_count, edges, seed):
    """Write the old and new versions of one shape under `root`; return a description dict."""
    rng = random.Random("%d/%d/%d" % (seed, flow_count, edges))
    spare_per_flow = max(4, edges // 10)
    task_count = edges + spare_per_flow
    old_flows, new_flows = {}, {}
    for number in range(flow_count):
        name = "flow%d" % number
        # Every flow uses its own random selection of the shared task pool: the first `edges`
        # for its edges, the rest for edges added by the new version.
        tasks = ["Task%d" % task for task in rng.sample(range(task_count), task_count)]
        old_flows[name] = _old_flow(rng, tasks[:edges], edges)
        new_flows[name] = _edit_flow(rng, old_flows[name], tasks[edges:])
    migration_dir = os.path.join(root, "migrations")
    old = _write_version(os.path.join(root, "old"), task_count, old_flows, migration_dir)
    new = _write_version(os.path.join(root, "new"), task_count, new_flows, migration_dir)
    return {
        "migration_dir": migration_dir,
        "old_nodes": old[0], "old_flow_files": old[1], "old_flow_dir": os.path.join(root, "old", "flows"),
        "new_nodes": new[0], "new_flow_files": new[1], "new_flow_dir": os.path.join(root, "new", "flows"),
        "old_bytes": old[2], "new_bytes": new[2],
        "old_edges": sum(len(flow) for flow in old_flows.values()),
        "new_edges": sum(len(flow) for flow in new_flows.values()),
    }


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------

def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.mkdir(path)


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_process(command):
    """Run a command, return (wall seconds, CPU seconds (user + sys), completed process)."""
    cpu = children_cpu()
    start = time.perf_counter()
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return time.perf_counter() - start, children_cpu() - cpu, completed


def fail(message, completed=None):
    print("error: " + message, file=sys.stderr)
    if completed is not None:
        sys.stderr.write(completed.stdout.decode(errors="replace")[-4000:])
        sys.stderr.write(completed.stderr.decode(errors="replace")[-4000:])
    sys.exit(1)


def time_command(make_command, repetitions, migration_dir=None, expect_file=False, warm_up=True):
    """Medians (wall, CPU seconds) of a subprocess; a fresh empty migration dir before each run."""
    samples, cpu_samples = [], []
    for repetition in range(repetitions + (1 if warm_up else 0)):
        if migration_dir is not None:
            fresh_dir(migration_dir)
        seconds, cpu, completed = run_process(make_command())
        if completed.returncode != 0:
            fail("command failed (exit %d): %s" % (completed.returncode, " ".join(make_command())), completed)
        if expect_file and not os.path.isfile(os.path.join(migration_dir, "1.json")):
            fail("no migration file written by: " + " ".join(make_command()), completed)
        if repetition > 0 or not warm_up:
            samples.append(seconds)
            cpu_samples.append(cpu)
    return statistics.median(samples), statistics.median(cpu_samples)


def time_selinon(shape, repetitions):
    """Medians (wall, CPU seconds) of Selinon's Migrator.create_migration_file, around the call only."""
    from selinon.migrations.migrator import Migrator
    from selinon.migrations.tainted_flow_strategy import TaintedFlowStrategy

    samples, cpu_samples = [], []
    for _ in range(repetitions):
        fresh_dir(shape["migration_dir"])
        migrator = Migrator(shape["migration_dir"])
        cpu = time.process_time()
        start = time.perf_counter()
        migrator.create_migration_file(shape["old_nodes"], shape["old_flow_files"],
                                       shape["new_nodes"], shape["new_flow_files"],
                                       TaintedFlowStrategy.IGNORE, add_meta=False)
        samples.append(time.perf_counter() - start)
        cpu_samples.append(time.process_time() - cpu)
    return statistics.median(samples), statistics.median(cpu_samples)


def recorded_flows(migration_dir):
    """Flows of 1.json having tainted_edges or tainting_nodes (D-3: Selinon adds empty flows)."""
    with open(os.path.join(migration_dir, "1.json")) as handle:
        migration = json.load(handle)["migration"]
    return migration, {name for name, entry in migration.items()
                       if entry.get("tainted_edges") or entry.get("tainting_nodes")}


def normalised(entry):
    """A flow entry with set-valued lists sorted, for comparison."""
    return {
        "translation": entry.get("translation", {}),
        "tainted_edges": {key: {"from": sorted(value["from"]), "to": sorted(value["to"]),
                                "condition_str": value.get("condition_str")}
                          for key, value in entry.get("tainted_edges", {}).items()},
        "tainting_nodes": {key: sorted(value) for key, value in entry.get("tainting_nodes", {}).items()},
    }


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def machine_description(binary):
    try:
        from importlib.metadata import version
        selinon_version = version("selinon")
        pyyaml_version = version("PyYAML")
    except Exception:  # pragma: no cover - reported, not fatal
        selinon_version = pyyaml_version = "unknown"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ours = subprocess.run([binary, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "os": "%s %s" % (platform.system(), platform.release()),
        "python": platform.python_version(),
        "selinon": selinon_version,
        "pyyaml": pyyaml_version,
        "ours": ours.stdout.decode(errors="replace").strip(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.environ.get("SELINON_MIGRATE_BINARY",
                                                           ".build/release/selinon-migrate"),
                        help="selinon-migrate binary (default: $SELINON_MIGRATE_BINARY, "
                             "else .build/release/selinon-migrate)")
    parser.add_argument("--repetitions", type=int, default=5, help="timed repetitions (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic configurations")
    parser.add_argument("--selinon-cli", action="store_true",
                        help="also time `selinon-cli migrate --no-meta` as a subprocess (slow: it "
                             "loads and checks both configurations before migrating)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        fail("binary not found or not executable: %s (use --binary or SELINON_MIGRATE_BINARY)" % binary)
    try:
        import selinon.migrations.migrator  # noqa: F401
    except ImportError:
        fail("Selinon is not importable: run this script with the Selinon virtual environment's python")
    if args.repetitions < 1:
        fail("--repetitions must be at least 1")
    logging.basicConfig(level=logging.ERROR)  # Selinon logs progress at INFO level
    selinon_cli = os.path.join(os.path.dirname(sys.executable), "selinon-cli")

    overall_start = time.perf_counter()
    machine = machine_description(binary)
    root = tempfile.mkdtemp(prefix="selinon-migrate-bench-")
    rows = []
    mismatches = []
    try:
        for label, flow_count, edges in SHAPES:
            shape_root = os.path.join(root, "%dx%d" % (flow_count, edges))
            os.mkdir(shape_root)
            print("[%s] generating configurations (seed %d) ..." % (label, args.seed), file=sys.stderr, flush=True)
            shape = build_shape(shape_root, flow_count, edges, args.seed)

            for version in ("old", "new"):
                _, _, completed = run_process([binary, "validate", "-n", shape[version + "_nodes"],
                                            "-f", shape[version + "_flow_dir"]])
                if completed.returncode != 0:
                    fail("the synthetic %s configuration of %s is not valid for %s (exit %d); not timing"
                         % (version, label, binary, completed.returncode), completed)

            generate = [binary, "generate", "-N", shape["old_nodes"], "-F", shape["old_flow_dir"],
                        "-n", shape["new_nodes"], "-f", shape["new_flow_dir"],
                        "-m", shape["migration_dir"], "--no-meta"]
            print("[%s] timing ours ..." % label, file=sys.stderr, flush=True)
            ours, ours_cpu = time_command(lambda: generate, args.repetitions, shape["migration_dir"], expect_file=True)
            ours_migration, ours_flows = recorded_flows(shape["migration_dir"])
            ours_no_check, _ = time_command(lambda: generate + ["--no-check"], args.repetitions,
                                         shape["migration_dir"], expect_file=True)
            validate, _ = time_command(lambda: [binary, "validate", "-n", shape["new_nodes"],
                                             "-f", shape["new_flow_dir"]], args.repetitions)

            print("[%s] timing Selinon in-process ..." % label, file=sys.stderr, flush=True)
            selinon, selinon_cpu = time_selinon(shape, args.repetitions)
            selinon_migration, selinon_flows = recorded_flows(shape["migration_dir"])

            cli = None
            if args.selinon_cli:
                print("[%s] timing selinon-cli migrate ..." % label, file=sys.stderr, flush=True)
                cli, _ = time_command(lambda: [selinon_cli, "migrate", "-N", shape["old_nodes"],
                                            "-F", shape["old_flow_dir"], "-n", shape["new_nodes"],
                                            "-f", shape["new_flow_dir"], "-m", shape["migration_dir"],
                                            "--no-meta"],
                                   args.repetitions, shape["migration_dir"], expect_file=True, warm_up=False)

            # Sanity check: both generators did the same work.
            same_flows = ours_flows == selinon_flows
            same_content = same_flows and all(normalised(ours_migration[name]) == normalised(selinon_migration[name])
                                              for name in ours_flows)
            if not same_flows:
                mismatches.append("%s: flows with changes differ: only ours %s, only Selinon %s" % (
                    label, sorted(ours_flows - selinon_flows)[:10], sorted(selinon_flows - ours_flows)[:10]))
            elif not same_content:
                mismatches.append("%s: same %d flows, but their entries differ" % (label, len(ours_flows)))

            rows.append({
                "label": label, "flows": flow_count, "edges": edges,
                "mb": (shape["old_bytes"] + shape["new_bytes"]) / 1e6, "new_mb": shape["new_bytes"] / 1e6,
                "old_edges": shape["old_edges"], "new_edges": shape["new_edges"],
                "ours": ours, "selinon": selinon, "ours_cpu": ours_cpu, "selinon_cpu": selinon_cpu, "no_check": ours_no_check, "validate": validate, "cli": cli,
                "changed_flows": len(ours_flows), "same_flows": same_flows, "same_content": same_content,
            })
    finally:
        if args.keep:
            print("kept %s" % root, file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    elapsed = time.perf_counter() - overall_start

    # ---- report -----------------------------------------------------------------------------
    def ms(seconds):
        return "%.0f" % (seconds * 1000) if seconds >= 0.1 else "%.1f" % (seconds * 1000)

    print("### `generate` vs. Selinon %s's migration generator" % machine["selinon"])
    print()
    print("Machine: %s CPU(s) (%s), %s; Python %s, Selinon %s, PyYAML %s; selinon-migrate %s."
          % (machine["nproc"], machine["cpu"], machine["os"], machine["python"], machine["selinon"],
             machine["pyyaml"], machine["ours"]))
    print("Median of %d repetitions (ours after one warm-up), seed %d. Ours: the whole `generate --no-meta` "
          "process writing a migration file; Selinon: `Migrator.create_migration_file` in-process "
          "(no interpreter start-up, no consistency check)." % (args.repetitions, args.seed))
    print()
    print("| shape | YAML read (MB, old + new) | edges (old → new) | ours (ms) | Selinon (ms) "
          "| Selinon / ours | ≥ %d× faster |" % TARGET)
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        ratio = row["selinon"] / row["ours"]
        print("| %s | %.1f | %s → %s | %s | %s | %s× | %s |" % (
            row["label"], row["mb"], format(row["old_edges"], ","), format(row["new_edges"], ","),
            ms(row["ours"]), ms(row["selinon"]), format(round(ratio), ","),
            "yes" if ratio >= TARGET else "**no**"))
    print()
    print("Context (same run, medians; CPU = user + sys, robust to a busy machine):")
    print()
    print("| shape | CPU ms, ours / Selinon (ratio) | our `validate` of the new configuration "
          "| our `generate --no-check` |"
          + (" `selinon-cli migrate` (subprocess, with check) | Selinon CLI / ours |" if args.selinon_cli else ""))
    print("|---|---|---|---|" + ("---|---|" if args.selinon_cli else ""))
    for row in rows:
        line = "| %s | %s / %s (%s×) | %s (%.1f MB) | %s |" % (
            row["label"], ms(row["ours_cpu"]), ms(row["selinon_cpu"]),
            format(round(row["selinon_cpu"] / row["ours_cpu"]), ","),
            ms(row["validate"]), row["new_mb"], ms(row["no_check"]))
        if args.selinon_cli:
            line += " %s | %s× |" % (ms(row["cli"]), format(round(row["cli"] / row["ours"]), ","))
        print(line)
    print()
    for row in rows:
        print("Sanity check, %s: %d flows with tainted edges or tainting nodes in both migrations; "
              "same flow set: %s; same entries: %s." % (
                  row["label"], row["changed_flows"], "yes" if row["same_flows"] else "NO",
                  "yes" if row["same_content"] else "NO"))
    for mismatch in mismatches:
        print("WARNING: " + mismatch)
    print()
    print("Full run: %.0f s." % elapsed)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
