#!/usr/bin/env python3
"""Benchmark `selinon-migrate apply` against Selinon 1.4's runtime migrator, in the same run.

This is a benchmark, not a test. For chains of 1, 10 and 50 migrations it builds

* Selinon-shaped dispatcher messages (about 780 bytes each, UUID ids) of a flow with 30 edges at
  version 0: five finished tasks, two active ones, ten fired edges (0-9) and eleven armed edges,
  some of them beyond the insertion points below. ``--flows N`` (default 1) spreads the messages
  over N such flows ``flow0`` … and gives every migration file an entry for each of them (Selinon
  parses the whole file per message, so its rate falls with the file size; ours hardly changes);
* migration files written directly as JSON in Selinon's layout (sorted keys, indent 2; no
  ``_meta``; strategy IGNORE), valid for both tools: migration k inserts one edge into each flow at
  a random position >= 10 (every later edge is
  renumbered: ``translation`` {i: i+1}) and adds a tainting entry for the new edge - from an
  active task in odd migrations (the edge is armed: appended to ``waiting_edges``) and from a
  finished task in even ones (an IGNORE taint). Every state is therefore rewritten by every
  migration.

Selinon must not crash on these states (D-1: it raises KeyError('triggered_edge') for every fired
edge that a migration translates). The states keep their real ``triggered_edges`` (0-9), which no
migration translates because every insertion point is >= 10, so Selinon runs its full code path
without crashing; nothing is emptied.

It then times

* ours:    the whole CLI process, ``selinon-migrate apply -m DIR --input IN --output OUT`` on N
           states (default 100,000; wall clock of the process: start-up, loading and compiling the
           migration directory, reading, migrating, writing), median of ``--repetitions`` runs;
* Selinon: ``Migrator(DIR).perform_migration(flow, state, 0)`` in process, timed around that call
           only, on a sample (messages parsed before the clock starts; a fresh state per call, as the
           dispatcher gets one) - until ``--selinon-seconds`` have passed or ``--selinon-states``
           states are done - extrapolated as a rate. This favours Selinon: no interpreter start-up,
           no JSON parsing or writing;
* the floor: ``cp IN OUT`` of the same input file (median of the same number of runs).

Finally it checks that both tools did the same work: for every state of Selinon's sample, our output
line carries the same ``waiting_edges``, ``triggered_edges`` and version as Selinon's result.

Usage (from the repository root, with the Selinon virtual environment's python):

    /tmp/selinon-venv/bin/python Benchmarks/apply_benchmark.py --binary .build/release/selinon-migrate
"""

import argparse
import json
import logging
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

TARGET = 100.0            # we want to be at least this many times faster than Selinon
CHAINS = [1, 10, 50]
EDGES = 30                # edges per flow at version 0
FIRST_INSERT = 10         # insertion points are >= this, above every fired edge (D-1)
TRIGGERED = list(range(0, 10))
WAITING = list(range(1, 10)) + [14, 23]


def make_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def message(rng, flows):
    finished = {"Task%d" % i: [make_uuid(rng)] for i in range(5)}
    active = [{"name": "Task%d" % i, "id": make_uuid(rng)} for i in (5, 6)]
    return {
        "flow_name": "flow%d" % rng.randrange(flows),
        "node_args": {"ecosystem": "pypi", "name": "six"},
        "parent": None, "retried_count": 0, "retry": 2, "selective": False, "migration_version": 0,
        "dispatcher_id": make_uuid(rng),
        "state": {"active_nodes": active, "finished_nodes": finished, "failed_nodes": {},
                  "waiting_edges": list(WAITING), "triggered_edges": list(TRIGGERED)},
    }


def write_chain(directory, length, rng, n_flows=1):
    """1.json … length.json: every migration inserts an edge into each flow and adds a tainting entry."""
    os.makedirs(directory)
    for version in range(1, length + 1):
        edges_before = EDGES + version - 1
        source = "Task6" if version % 2 else "Task2"    # active (armed) / finished (IGNORE taint)
        flows = {}
        for flow in range(n_flows):
            inserted = rng.randrange(FIRST_INSERT, edges_before)
            flows["flow%d" % flow] = {
                "tainted_edges": {},
                "tainting_nodes": {str(inserted): [source]},
                "translation": {str(i): i + 1 for i in range(inserted, edges_before)},
            }
        document = {"migration": flows, "tainted_flow_strategy": "IGNORE"}
        with open(os.path.join(directory, "%d.json" % version), "w") as handle:
            json.dump(document, handle, sort_keys=True, indent=2, separators=(",", ": "))


def timed(command):
    started = time.perf_counter()
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    return elapsed, proc


def measure_ours(binary, directory, states_file, output, repetitions):
    times = []
    for run in range(repetitions + 1):           # one warm-up run (page cache), not counted
        elapsed, proc = timed([binary, "apply", "-m", directory, "--input", states_file, "--output", output])
        if proc.returncode != 0:
            raise SystemExit("our apply exited %d:\n%s" % (proc.returncode, proc.stderr.decode("utf-8", "replace")))
        if run:
            times.append(elapsed)
    return statistics.median(times), proc.stderr.decode("utf-8", "replace")


def measure_floor(states_file, output, repetitions):
    times = []
    for run in range(repetitions + 1):
        elapsed, proc = timed(["cp", states_file, output])
        if proc.returncode != 0:
            raise SystemExit("cp failed")
        if run:
            times.append(elapsed)
    return statistics.median(times)


def measure_selinon(directory, lines, seconds, limit):
    """States/s of perform_migration, timed around the call only; returns (rate, n, results)."""
    from selinon.migrations.migrator import Migrator
    migrator = Migrator(directory)
    results = []
    spent = 0.0
    for line in lines[:limit]:
        message = json.loads(line)                  # a fresh state per call, outside the clock
        started = time.perf_counter()
        state, version, tainted = migrator.perform_migration(message["flow_name"], message["state"],
                                                             message["migration_version"])
        spent += time.perf_counter() - started
        results.append((state, version, tainted))
        if spent >= seconds and len(results) >= 20:
            break
    return len(results) / spent, len(results), results


def human(rate):
    return "{:,}".format(int(round(rate)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.environ.get("SELINON_MIGRATE_BINARY")
                        or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                        ".build", "release", "selinon-migrate"),
                        help="the selinon-migrate executable (default: $SELINON_MIGRATE_BINARY, "
                             "else .build/release/selinon-migrate)")
    parser.add_argument("--states", type=int, default=100_000, help="states for our tool (default %(default)s)")
    parser.add_argument("--repetitions", type=int, default=5, help="timed runs of our tool and of cp (median)")
    parser.add_argument("--selinon-seconds", type=float, default=4.0,
                        help="time budget per chain for Selinon's sample (default %(default)s s)")
    parser.add_argument("--selinon-states", type=int, default=5000,
                        help="at most this many states for Selinon per chain (default %(default)s)")
    parser.add_argument("--flows", type=int, default=1,
                        help="flows per migration file, messages spread over them (default %(default)s)")
    parser.add_argument("--seed", type=int, default=770)
    args = parser.parse_args(argv)

    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        print("FAIL: %s is not an executable (build it with `swift build -c release`, or pass --binary)" % binary)
        return 1
    try:
        import selinon  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
    except ImportError as exc:
        print("FAIL: Selinon is not importable from %s (%s); run this with the Selinon venv's python"
              % (sys.executable, exc))
        return 1
    logging.disable(logging.CRITICAL)

    rng = random.Random(args.seed)
    root = tempfile.mkdtemp(prefix="apply-benchmark-")
    rows = []
    try:
        lines = [json.dumps(message(rng, args.flows)) for _ in range(args.states)]
        states_file = os.path.join(root, "states.jsonl")
        with open(states_file, "w") as handle:
            handle.write("\n".join(lines) + "\n")
        size = os.path.getsize(states_file)
        print("%s states, %d bytes each on average (%.1f MB); %s, Python %s, %d CPUs"
              % (human(args.states), size // args.states, size / 1e6, platform.platform(),
                 platform.python_version(), os.cpu_count() or 0))
        print("Selinon keeps triggered_edges %s (no migration translates them: every insertion point is >= %d), "
              "so it does not crash (D-1) and nothing is emptied" % (TRIGGERED, FIRST_INSERT))
        output = os.path.join(root, "out.jsonl")
        floor = measure_floor(states_file, output, args.repetitions)
        print("floor: cp of the input file: %.3f s (%s states/s)" % (floor, human(args.states / floor)))
        for length in CHAINS:
            directory = os.path.join(root, "chain-%d" % length)
            write_chain(directory, length, rng, args.flows)
            # Written here, not by generate: vouch for the files as a reviewer would (apply checks the sum).
            subprocess.run([binary, "rehash", "-m", directory], stdout=subprocess.DEVNULL, check=True)
            file_size = os.path.getsize(os.path.join(directory, "1.json"))
            ours, summary = measure_ours(binary, directory, states_file, output, args.repetitions)
            with open(output) as handle:
                our_lines = handle.read().split("\n")
            rate, sampled, results = measure_selinon(directory, lines, args.selinon_seconds, args.selinon_states)
            mismatches = 0
            for index, (state, version, _tainted) in enumerate(results):
                ours_message = json.loads(our_lines[index])
                if ours_message["migration_version"] != version \
                        or ours_message["state"]["waiting_edges"] != state["waiting_edges"] \
                        or ours_message["state"]["triggered_edges"] != state["triggered_edges"]:
                    mismatches += 1
            if mismatches:
                print("WARNING: %d of %d sampled states differ between the tools" % (mismatches, sampled))
            example = json.loads(our_lines[0])["state"]
            print("chain of %d (%d flow%s, 1.json %d bytes): ours %.3f s for %s states; Selinon %s states sampled, "
                  "all agree with ours: %s; e.g. waiting %s -> %s; our summary: %s"
                  % (length, args.flows, "" if args.flows == 1 else "s", file_size, ours, human(args.states),
                     human(sampled), "yes" if not mismatches else "NO", WAITING, example["waiting_edges"],
                     " ".join(summary.split()[-7:])))
            rows.append((length, args.states / ours, rate, ours / floor))
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print()
    print("| chain length | ours (states/s) | Selinon (states/s) | ours / Selinon | ours vs `cp` floor |")
    print("|---:|---:|---:|---:|---:|")
    for length, ours_rate, selinon_rate, vs_floor in rows:
        ratio = ours_rate / selinon_rate
        print("| %d | %s | %s | %s× %s | %.1f× the floor's time |"
              % (length, human(ours_rate), human(selinon_rate), human(ratio),
                 "✓" if ratio >= TARGET else "✗ (target %d×)" % TARGET, vs_floor))
    missed = [length for length, o, s, _ in rows if o / s < TARGET]
    print()
    print("target >= %d× at every chain length: %s" % (TARGET, "met" if not missed else "MISSED for %s" % missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
