#!/usr/bin/env python3
"""Check `validate` against what Selinon's workers can start on.

Selinon 1.4 loads a configuration, then writes it as Python source (System.dump2stream) that
every worker executes at start-up — pasting names, quoted strings and settings without
escaping. A configuration Selinon loads can therefore still stop every worker. For each value
placed in each place Selinon pastes (queues, schemas, imports, class names, storage and cache
settings, sampling arguments, condition arguments), this script asks the real Selinon whether
workers could start — it loads the files, writes the module, compiles it, executes it with
every import stubbed, and calls every condition function — with Selinon's own caches imported for real, so that each checks its
`max_cache_size` — and asks `selinon-migrate validate`
whether the configuration is valid. They must agree, except where the README says otherwise:

* a bare YAML date as a setting (`since: 2001-12-14`): Selinon writes it unquoted, Python reads
  `2001-12-14` as the number 1975 and the workers start with the wrong value; validate rejects it.

Run from the repository root inside the Selinon venv:

    python compat/startup_code_compat.py --binary .build/debug/selinon-migrate
"""

import argparse
import builtins
import io
import logging
import subprocess
import sys
import tempfile
import types
import warnings
from pathlib import Path

from selinon.system import System

logging.disable(logging.CRITICAL)
# The generated module calls a stubbed name with a string argument; compile() warns about it.
warnings.simplefilter("ignore", SyntaxWarning)

# The configuration, with one {value} slot filled per case.
NODES = """\
tasks:
  - name: Fetch
    import: {task_import}
    classname: {task_class}
    queue: {task_queue}
    output_schema: {output_schema}
    storage: Results
    storage_task_name: {storage_task_name}
  - name: Parse
    import: app.tasks
storages:
  - name: Results
    import: {storage_import}
    classname: Results
    configuration:
      {storage_key}: {storage_value}
    cache:
      name: {cache_name}
      import: selinon.caches
      configuration: {{max_cache_size: {cache_value}}}
flows:
  - main_flow
"""

FLOWS = """\
flow-definitions:
  - name: main_flow
    queue: {flow_queue}
    sampling:
      name: constant
      args: {{retry: {sampling_value}}}
    edges:
      - from:
        to: Fetch
      - from: Fetch
        to: Parse
        condition: {{name: argsFieldEqual, args: {{key: k, value: {condition_value}}}}}
      - from: Fetch
        to: Parse
        foreach: {{function: {foreach_function}, import: app.foreach}}
"""

DEFAULTS = {
    "task_import": "app.tasks", "task_class": "FetchTask", "task_queue": "fetching", "output_schema": "schemas/fetch.json",
    "storage_task_name": "fetch", "storage_import": "app.storages", "storage_key": "host", "storage_value": "localhost",
    "cache_name": "LRU", "cache_value": "10", "flow_queue": "dispatching", "sampling_value": "5",
    "condition_value": "1", "foreach_function": "items",
}

# YAML texts for string-like places (each is a complete YAML value on one line, or a block).
STRINGS = [
    "plain", "'it''s'", '"say \\"hi\\""', '"both \' and \\""', '"back\\\\slash"', '"ends with \\\\"',
    '"\\\\N{BULLET}"', '"\\\\N no braces"', '"\\\\x4g"', '"\\\\x41"', '"\\\\u12"', '"\\\\u0041"', '"\\\\U0010FFFF"',
    '"\\\\U00110000"', '"\\\\q unknown escape"', '"line\\nbreak"', '"carriage\\rreturn"', '"tab\\there"',
    ">\n      folded", ">-\n      folded", "|\n      literal", "|-\n      literal", "''", "' spaced '",
    "\"caf\u00e9\"", "dash-ed", "dotted.name", "2leading", "class", "None", "_private", "with space",
]
# YAML texts for any value.
VALUES = STRINGS + [
    "5", "-3", "1.5", ".inf", "-.inf", ".nan", "true", "~", "2001-12-14", "2001-12-14 21:59:43",
    "[1, 2]", "[1, .nan]", "[.inf]", "{a: 1}", "{a: .nan}", "['it''s', \"x\"]", "[\"both ' and \\\"\"]",
    "{\"k'\": 1}", "[2001-12-14]",
    # Python's parser stops at 200 nested brackets: 199 lists inside a call compile, 200 do not.
    "[" * 199 + "]" * 199, "[" * 200 + "]" * 200,
]
# Where each family of values goes.
PLACES = {
    "task_queue": STRINGS, "flow_queue": STRINGS, "output_schema": STRINGS, "storage_task_name": STRINGS,
    "task_import": STRINGS, "task_class": STRINGS, "storage_import": STRINGS, "cache_name": STRINGS,
    "foreach_function": STRINGS, "storage_key": STRINGS, "storage_value": VALUES, "cache_value": VALUES,
    "sampling_value": VALUES, "condition_value": VALUES,
}
# Known differences (README): ours rejects, Selinon's workers start with another value.
KNOWN = {("storage_value", "2001-12-14"), ("cache_value", "2001-12-14"), ("sampling_value", "2001-12-14")}


class Stub:
    """Anything an import in the generated module may name: callable, with any attribute."""

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return Stub()

    def __getattr__(self, name):
        return Stub()


def stub_import(name, globals=None, locals=None, fromlist=(), level=0):
    # Selinon's own caches (pure Python) run as on a worker: each checks its max_cache_size.
    if name in ("functools", "datetime", "selinon.caches"):
        return builtins.__import__(name, globals, locals, fromlist, level)
    module = types.ModuleType(name)
    module.__getattr__ = lambda attribute: Stub
    return module


def workers_start(directory):
    """None when Selinon loads the configuration and its start-up module runs; else why not."""
    try:
        system = System.from_files(str(directory / "nodes.yml"), [str(directory / "flows.yml")], no_check=False)
    except Exception as error:  # Selinon rejects it: so must we, for any reason
        return "load: %s: %s" % (type(error).__name__, error)
    stream = io.StringIO()
    try:
        system.dump2stream(stream)
        code = compile(stream.getvalue(), "config.py", "exec")
        namespace = {"__builtins__": dict(vars(builtins), __import__=stub_import)}
        exec(code, namespace)
        for name, function in list(namespace.items()):
            if name.startswith("_condition_") and callable(function):
                function(Stub(), {})
    except Exception as error:
        return "start-up: %s: %s" % (type(error).__name__, str(error).splitlines()[0] if str(error) else "")
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True)
    arguments = parser.parse_args()
    cases = [(place, value) for place, values in PLACES.items() for value in values]
    unexplained, stricter, agreed = [], [], 0
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        for place, value in cases:
            slots = dict(DEFAULTS, **{place: value})
            (directory / "nodes.yml").write_text(NODES.format(**slots), encoding="utf-8")
            (directory / "flows.yml").write_text(FLOWS.format(**slots), encoding="utf-8")
            selinon = workers_start(directory)
            result = subprocess.run([arguments.binary, "validate", "-n", str(directory / "nodes.yml"),
                                     "-f", str(directory / "flows.yml")], capture_output=True, text=True)
            if result.returncode not in (0, 1):
                unexplained.append((place, value, "validate exited %d: %s" % (result.returncode, result.stderr.strip())))
                continue
            ours_valid = result.returncode == 0
            if ours_valid == (selinon is None):
                agreed += 1
            elif (place, value) in KNOWN and not ours_valid:
                stricter.append((place, value))
            else:
                first_error = next((line for line in result.stdout.splitlines() + result.stderr.splitlines() if "error:" in line), "")
                unexplained.append((place, value, "Selinon: %s; validate: %s" % (selinon or "workers start", first_error or "valid")))
    print("%d cases: %d agree, %d known differences (README), %d unexplained" % (len(cases), agreed, len(stricter), len(unexplained)))
    for place, value, detail in unexplained:
        print("UNEXPLAINED %s = %r: %s" % (place, value, detail))
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
