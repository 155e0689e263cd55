#!/usr/bin/env python3
"""Validate every example deployment with the real Selinon.

For every directory ``examples/*/v*`` this script loads ``nodes.yml`` and all
``*.yml``/``*.yaml`` files below ``flows/`` with
``selinon.System.from_files(..., no_check=False)`` - the same parse and
consistency check that ``selinon-cli`` and the workers run - and then renders
the worker start-up code (``System.dump2stream``) and compiles it, because
several configurations pass validation but break that step (spec section 1.2).

Selinon keeps global settings (trace entries, queues, migration_dir,
predicates_module) in class attributes, so every version is checked in a fresh
interpreter (``python validate_examples.py --one DIR``).

Any error, and any warning Selinon logs (unused task or storage, unknown
top-level key, retry_countdown without max_retry, ...), makes the script exit
non-zero.

Usage (inside the Selinon venv):  python compat/validate_examples.py [DIR ...]
"""

import argparse
import json
import os
import re
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES_DIR = os.path.join(REPO_ROOT, "examples")


def _natural_key(text):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def find_version_dirs():
    """Return every examples/<deployment>/v<N> directory, naturally sorted."""
    result = []
    if not os.path.isdir(EXAMPLES_DIR):
        return result
    for deployment in sorted(os.listdir(EXAMPLES_DIR), key=_natural_key):
        deployment_dir = os.path.join(EXAMPLES_DIR, deployment)
        if not os.path.isdir(deployment_dir):
            continue
        for version in sorted(os.listdir(deployment_dir), key=_natural_key):
            version_dir = os.path.join(deployment_dir, version)
            if re.fullmatch(r"v\d+", version) and os.path.isdir(version_dir):
                result.append(version_dir)
    return result


def flow_files(version_dir):
    """Flow files the way selinon-cli expands a directory (recursive, *.yml/*.yaml, no dot files), sorted."""
    found = []
    for root, dirs, files in os.walk(os.path.join(version_dir, "flows"), followlinks=True):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".yml", ".yaml")) and not name.startswith("."):
                found.append(os.path.join(root, name))
    return found


# --------------------------------------------------------------------------------------------
# child: validate one version in this (fresh) interpreter and print a JSON report
# --------------------------------------------------------------------------------------------

def check_one(version_dir):
    import io
    import logging
    import warnings

    report = {"dir": version_dir, "errors": [], "warnings": [], "stats": {}}

    class _Collect(logging.Handler):
        def emit(self, record):
            message = "%s: %s" % (record.name, record.getMessage())
            if record.levelno >= logging.ERROR:
                report["errors"].append(message)
            elif record.levelno >= logging.WARNING:
                report["warnings"].append(message)

    root_logger = logging.getLogger()
    root_logger.handlers[:] = [_Collect()]
    root_logger.setLevel(logging.WARNING)

    nodes_file = os.path.join(version_dir, "nodes.yml")
    flows = flow_files(version_dir)
    if not os.path.isfile(nodes_file):
        report["errors"].append("missing nodes.yml")
    if not flows:
        report["errors"].append("no flow files under flows/")
    if report["errors"]:
        return report

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        system = None
        try:
            from selinon.system import System  # not re-exported by the selinon package

            system = System.from_files(nodes_file, flows, no_check=False)
            report["stats"] = {
                "flows": len(system.flows),
                "tasks": len(system.tasks),
                "storages": len(system.storages),
                "flow_files": len(flows),
                "edges": sum(len(flow.edges) for flow in system.flows),
            }
        except Exception as exc:  # pylint: disable=broad-except
            report["errors"].append("Selinon validation failed: %s: %s" % (type(exc).__name__, exc))

        if system is not None:
            # Worker start-up code generation (catches 'passes validation, breaks start-up').
            try:
                stream = io.StringIO()
                system.dump2stream(stream)
                compile(stream.getvalue(), os.path.join(version_dir, "<generated config.py>"), "exec")
            except Exception as exc:  # pylint: disable=broad-except
                report["errors"].append("worker start-up code generation failed (System.dump2stream): %s: %s"
                                        % (type(exc).__name__, exc))

    for warning in caught:
        # Deprecation noise from Selinon's own implementation is not a configuration problem.
        if issubclass(warning.category, (DeprecationWarning, PendingDeprecationWarning)):
            continue
        report["warnings"].append("%s: %s" % (warning.category.__name__, warning.message))

    return report


# --------------------------------------------------------------------------------------------
# parent: one subprocess per version
# --------------------------------------------------------------------------------------------

def run_child(version_dir):
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--one", version_dir],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False,
    )
    try:
        report = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        report = {"dir": version_dir, "errors": ["validator subprocess failed (exit %d)" % proc.returncode],
                  "warnings": [], "stats": {}}
    if proc.stderr.strip():
        report["warnings"].append("unexpected stderr output: " + proc.stderr.strip())
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("dirs", nargs="*", help="version directories (default: every examples/*/v*)")
    args = parser.parse_args(argv)

    if args.one:
        print(json.dumps(check_one(args.one)))
        return 0

    version_dirs = [os.path.abspath(d) for d in args.dirs] or find_version_dirs()
    if not version_dirs:
        print("FAIL: no examples/*/v* directories found under %s" % EXAMPLES_DIR)
        return 1

    failed = 0
    for version_dir in version_dirs:
        report = run_child(version_dir)
        shown = os.path.relpath(version_dir, REPO_ROOT)
        if shown.startswith(os.pardir):
            shown = version_dir
        if report["errors"] or report["warnings"]:
            failed += 1
            print("FAIL %s" % shown)
            for message in report["errors"]:
                print("  error:   %s" % message)
            for message in report["warnings"]:
                print("  warning: %s" % message)
        else:
            stats = report["stats"]
            print("ok   %s (%d flows, %d edges, %d tasks, %d storages, %d flow files)"
                  % (shown, stats["flows"], stats["edges"], stats["tasks"], stats["storages"],
                     stats["flow_files"]))

    if failed:
        print("%d of %d example version(s) failed Selinon validation" % (failed, len(version_dirs)))
        return 1
    print("all %d example version(s) pass Selinon validation" % len(version_dirs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
