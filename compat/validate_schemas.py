#!/usr/bin/env python3
"""Validate the example configurations against schemas/*.schema.json.

1. Both schemas are checked against the JSON Schema draft 2020-12 meta-schema,
   must carry $id and title, and every property must have a description.
2. Every YAML file of every examples/*/v* directory is loaded with PyYAML's
   safe loader (YAML 1.1, like Selinon; dates are turned into strings) and
   validated: nodes.yml against nodes.schema.json, files below flows/ against
   flows.schema.json. The yaml-language-server modeline on the first line must
   point (relative path) at that schema.
3. Built-in checks prove the schemas are not vacuous: small inline documents
   that must be rejected (and a few unusual ones Selinon accepts, which must be
   accepted).

Exits non-zero on any failure, printing file and JSON path.
Usage (inside the Selinon venv):  python compat/validate_schemas.py
"""

import datetime
import json
import os
import re
import sys

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_DIR = os.path.join(REPO_ROOT, "schemas")
EXAMPLES_DIR = os.path.join(REPO_ROOT, "examples")
MODELINE_RE = re.compile(r"^# yaml-language-server: \$schema=(\S+)\s*$")

FAILURES = []


def fail(message):
    FAILURES.append(message)
    print("FAIL " + message)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def to_json_compatible(value):
    """Turn a safe_load result into JSON data: dates -> ISO strings, non-string keys -> str."""
    if isinstance(value, dict):
        return {(k if isinstance(k, str) else str(k)): to_json_compatible(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json_compatible(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def json_path(error):
    path = "$"
    for part in error.absolute_path:
        path += "[%d]" % part if isinstance(part, int) else "." + str(part)
    return path


def _deepest(error):
    """For anyOf/oneOf errors, the sub-error that got furthest into the document."""
    if not error.context:
        return error
    candidates = [_deepest(sub) for sub in error.context]
    depth = max(len(e.absolute_path) for e in candidates)
    if depth <= len(error.absolute_path):
        return best_match(error.context)
    deepest = [e for e in candidates if len(e.absolute_path) == depth]
    return deepest[0] if len(deepest) == 1 else best_match(deepest)


def _short(text, limit=160):
    return text if len(text) <= limit else text[:limit] + "..."


def describe_errors(validator, instance):
    """Return a list of 'path: message' strings (empty when valid)."""
    result = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        detail = _deepest(error)
        line = "%s: %s" % (json_path(detail), _short(detail.message))
        if detail is not error:
            line += " (while matching %s at %s)" % (error.validator, json_path(error))
        result.append(line)
    return result


def load_schema(name):
    path = os.path.join(SCHEMA_DIR, name)
    with open(path) as stream:
        schema = json.load(stream)
    ok = True
    try:
        Draft202012Validator.check_schema(schema)
    except Exception as exc:  # pylint: disable=broad-except
        fail("%s is not a valid draft 2020-12 schema: %s" % (name, exc))
        ok = False
    if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
        fail("%s: $schema must be the draft 2020-12 meta-schema URI" % name)
    for key in ("$id", "title"):
        if not schema.get(key):
            fail("%s: missing %s (needed by yaml-language-server)" % (name, key))
    if not schema.get("$id", "").endswith("/" + name):
        fail("%s: $id should end with /%s" % (name, name))

    # every property must be documented
    def walk(node, where):
        if isinstance(node, dict):
            for prop, sub in (node.get("properties") or {}).items():
                if not isinstance(sub, dict) or not sub.get("description"):
                    # properties used only as constraints inside if/then/not need no documentation
                    if not re.search(r"/(if|then|not|allOf|anyOf|oneOf)(/|$)", where):
                        fail("%s: property %s/properties/%s has no description" % (name, where, prop))
            for key, sub in node.items():
                walk(sub, where + "/" + key)
        elif isinstance(node, list):
            for index, sub in enumerate(node):
                walk(sub, "%s/%d" % (where, index))

    walk(schema, "#")
    return schema, ok


# --------------------------------------------------------------------------------------------
# examples
# --------------------------------------------------------------------------------------------

def example_files():
    """Yield (path, kind) for every YAML file of every examples/*/v* directory."""
    if not os.path.isdir(EXAMPLES_DIR):
        return
    for deployment in sorted(os.listdir(EXAMPLES_DIR)):
        deployment_dir = os.path.join(EXAMPLES_DIR, deployment)
        if not os.path.isdir(deployment_dir):
            continue
        for version in sorted(os.listdir(deployment_dir)):
            version_dir = os.path.join(deployment_dir, version)
            if not (re.fullmatch(r"v\d+", version) and os.path.isdir(version_dir)):
                continue
            for root, dirs, files in os.walk(version_dir):
                dirs.sort()
                for file_name in sorted(files):
                    if not file_name.endswith((".yml", ".yaml")):
                        continue
                    path = os.path.join(root, file_name)
                    rel = os.path.relpath(path, version_dir).replace(os.sep, "/")
                    if rel in ("nodes.yml", "nodes.yaml"):
                        yield path, "nodes"
                    elif rel.startswith("flows/"):
                        yield path, "flows"
                    else:
                        yield path, None


def check_examples(validators):
    checked = 0
    for path, kind in example_files():
        shown = os.path.relpath(path, REPO_ROOT)
        if kind is None:
            fail("%s: not nodes.yml and not below flows/ - no schema applies" % shown)
            continue
        with open(path) as stream:
            text = stream.read()
        first_line = text.splitlines()[0] if text else ""
        match = MODELINE_RE.match(first_line)
        expected_schema = os.path.join(SCHEMA_DIR, "%s.schema.json" % kind)
        if not match:
            fail("%s:1: first line must be '# yaml-language-server: $schema=<relative path>'" % shown)
        elif os.path.normpath(os.path.join(os.path.dirname(path), match.group(1))) != expected_schema:
            fail("%s:1: modeline points to %s, expected a relative path to %s"
                 % (shown, match.group(1), os.path.relpath(expected_schema, REPO_ROOT)))
        try:
            document = to_json_compatible(yaml.safe_load(text))
        except yaml.YAMLError as exc:
            fail("%s: YAML error: %s" % (shown, exc))
            continue
        errors = describe_errors(validators[kind], document)
        for error in errors:
            fail("%s: %s" % (shown, error))
        if not errors:
            print("ok   %s (%s schema)" % (shown, kind))
        checked += 1
    if not checked:
        fail("no example YAML files found under %s" % EXAMPLES_DIR)
    return checked


# --------------------------------------------------------------------------------------------
# self-checks: inline documents
# --------------------------------------------------------------------------------------------

NODES_OK = """
tasks:
  - name: A
    import: app.tasks
    storage: S
flows: [f]
storages:
  - {name: S, import: app.storages, configuration: {x: 1}}
"""

FLOWS_OK = """
flow-definitions:
  - name: f
    edges:
      - from:
        to: A
      - from: A
        to: B
        condition: {name: fieldEqual, args: {key: k, value: 1}}
"""

# (description, kind, JSON path the error must be reported at, YAML text); every document must be REJECTED
MUST_REJECT = [
    ("unknown task key (documented spelling storage_read_only)", "nodes", "$.tasks[0]",
     "tasks: [{name: A, import: app.tasks, storage_read_only: true}]\nflows: []"),
    ("task without import", "nodes", "$.tasks[0]",
     "tasks: [{name: A}]\nflows: []"),
    ("invalid task name", "nodes", "$.tasks[0].name",
     "tasks: [{name: 2fast, import: app.tasks}]\nflows: []"),
    ("Python keyword as task name", "nodes", "$.tasks[0].name",
     "tasks: [{name: class, import: app.tasks}]\nflows: []"),
    ("YAML 1.1 boolean as task name (on)", "nodes", "$.tasks[0].name",
     "tasks: [{name: on, import: app.tasks}]\nflows: []"),
    ("negative max_retry", "nodes", "$.tasks[0].max_retry",
     "tasks: [{name: A, import: app.tasks, max_retry: -1}]\nflows: []"),
    ("storage_task_name without storage", "nodes", "$.tasks[0]",
     "tasks: [{name: A, import: app.tasks, storage_task_name: B}]\nflows: []"),
    ("queue with a quote", "nodes", "$.tasks[0].queue",
     "tasks: [{name: A, import: app.tasks, queue: \"it's\"}]\nflows: []"),
    ("queue with a positional placeholder", "nodes", "$.tasks[0].queue",
     "tasks: [{name: A, import: app.tasks, queue: 'q{0}'}]\nflows: []"),
    ("unknown throttling unit", "nodes", "$.tasks[0].throttling",
     "tasks: [{name: A, import: app.tasks, throttling: {secs: 1}}]\nflows: []"),
    ("selective_run_function with documented 'function' key", "nodes", "$.tasks[0].selective_run_function",
     "tasks: [{name: A, import: app.tasks, selective_run_function: {function: f, import: m}}]\nflows: []"),
    ("missing tasks", "nodes", "$",
     "flows: []"),
    ("missing flows", "nodes", "$",
     "tasks: []"),
    ("flows given as a string", "nodes", "$.flows",
     "tasks: []\nflows: f1"),
    ("duplicate flow names", "nodes", "$.flows",
     "tasks: []\nflows: [f, f]"),
    ("storage without configuration", "nodes", "$.storages[0]",
     "tasks: []\nflows: []\nstorages: [{name: S, import: app.storages}]"),
    ("storage with empty configuration", "nodes", "$.storages[0].configuration",
     "tasks: []\nflows: []\nstorages: [{name: S, import: app.storages, configuration: {}}]"),
    ("storage cache null", "nodes", "$.storages[0].cache",
     "tasks: []\nflows: []\nstorages: [{name: S, import: m, configuration: {a: 1}, cache:}]"),
    ("unknown storage cache key", "nodes", "$.storages[0].cache",
     "tasks: []\nflows: []\nstorages: [{name: S, import: m, configuration: {a: 1}, cache: {size: 3}}]"),
    ("storages null", "nodes", "$.storages",
     "tasks: []\nflows: []\nstorages:"),
    ("unknown global key", "nodes", "$.global",
     "tasks: []\nflows: []\nglobal: {migrations_dir: m}"),
    ("global trace null", "nodes", "$.global.trace",
     "tasks: []\nflows: []\nglobal: {trace:}"),
    ("global trace true", "nodes", "$.global.trace",
     "tasks: []\nflows: []\nglobal: {trace: true}"),
    ("trace function without import", "nodes", "$.global.trace.function",
     "tasks: []\nflows: []\nglobal: {trace: {function: {name: f}}}"),
    ("escaped braces in global default_task_queue (expanded twice)", "nodes", "$.global.default_task_queue",
     "tasks: []\nflows: []\nglobal: {default_task_queue: 'a{{b}}'}"),
    ("edge without to", "flows", "$.flow-definitions[0].edges[0]",
     "flow-definitions: [{name: f, edges: [{from: A}]}]"),
    ("edge without from", "flows", "$.flow-definitions[0].edges[0]",
     "flow-definitions: [{name: f, edges: [{to: A}]}]"),
    ("edge with empty to", "flows", "$.flow-definitions[0].edges[0].to",
     "flow-definitions: [{name: f, edges: [{from: , to: []}]}]"),
    ("repeated name in from", "flows", "$.flow-definitions[0].edges[0].from",
     "flow-definitions: [{name: f, edges: [{from: [A, A], to: B}]}]"),
    ("bare string edge", "flows", "$.flow-definitions[0].edges[0]",
     "flow-definitions: [{name: f, edges: [A]}]"),
    ("unknown edge key", "flows", "$.flow-definitions[0].edges[0]",
     "flow-definitions: [{name: f, edges: [{from: , to: A, when: x}]}]"),
    ("flow without edges", "flows", "$.flow-definitions[0]",
     "flow-definitions: [{name: f}]"),
    ("flow with empty edges", "flows", "$.flow-definitions[0].edges",
     "flow-definitions: [{name: f, edges: []}]"),
    ("flow without name", "flows", "$.flow-definitions[0]",
     "flow-definitions: [{edges: [{from: , to: A}]}]"),
    ("unknown flow key", "flows", "$.flow-definitions[0]",
     "flow-definitions: [{name: f, edges: [{from: , to: A}], retries: 1}]"),
    ("missing flow-definitions", "flows", "$",
     "flows: []"),
    ("empty condition", "flows", "$.flow-definitions[0].edges[0].condition",
     "flow-definitions: [{name: f, edges: [{from: , to: A, condition: {}}]}]"),
    ("null condition", "flows", "$.flow-definitions[0].edges[0].condition",
     "flow-definitions: [{name: f, edges: [{from: , to: A, condition: }]}]"),
    ("empty and list", "flows", "$.flow-definitions[0].edges[0].condition.and",
     "flow-definitions: [{name: f, edges: [{from: , to: A, condition: {and: []}}]}]"),
    ("one-element or list (breaks worker start-up)", "flows", "$.flow-definitions[0].edges[0].condition.or",
     "flow-definitions: [{name: f, edges: [{from: , to: A, condition: {or: [{name: alwaysTrue}]}}]}]"),
    ("or with a map instead of a list", "flows", "$.flow-definitions[0].edges[0].condition.or",
     "flow-definitions: [{name: f, edges: [{from: , to: A, condition: {or: {name: alwaysTrue}}}]}]"),
    ("not with a list", "flows", "$.flow-definitions[0].edges[0].condition.not",
     "flow-definitions: [{name: f, edges: [{from: , to: A, condition: {not: [{name: alwaysTrue}]}}]}]"),
    ("name next to and", "flows", "$.flow-definitions[0].edges[0].condition",
     "flow-definitions: [{name: f, edges: [{from: , to: A, condition: {name: alwaysTrue, and: [{name: "
     "alwaysTrue}, {name: alwaysFalse}]}}]}]"),
    ("unknown leaf key", "flows", "$.flow-definitions[0].edges[0].condition",
     "flow-definitions: [{name: f, edges: [{from: , to: A, condition: {name: alwaysTrue, arg: {}}}]}]"),
    ("built-in predicate with a missing argument", "flows", "$.flow-definitions[0].edges[0].condition.args",
     "flow-definitions: [{name: f, edges: [{from: A, to: B, condition: {name: fieldEqual, args: {key: k}}}]}]"),
    ("built-in predicate with an extra argument", "flows", "$.flow-definitions[0].edges[0].condition.args",
     "flow-definitions: [{name: f, edges: [{from: A, to: B, condition: {name: argsFieldExist, args: {key: k, "
     "value: 1}}}]}]"),
    ("argument for an argument-less predicate", "flows", "$.flow-definitions[0].edges[0].condition.args",
     "flow-definitions: [{name: f, edges: [{from: , to: A, condition: {name: alwaysTrue, args: {x: 1}}}]}]"),
    ("fieldLenLessEqual (a module in selinon.predicates)", "flows", "$.flow-definitions[0].edges[0].condition.name",
     "flow-definitions: [{name: f, edges: [{from: A, to: B, condition: {name: fieldLenLessEqual, args: {key: k, "
     "length: 1}}}]}]"),
    ("foreach without function", "flows", "$.flow-definitions[0].edges[0].foreach",
     "flow-definitions: [{name: f, edges: [{from: A, to: B, foreach: {import: m}}]}]"),
    ("foreach propagate_result not a bool", "flows", "$.flow-definitions[0].edges[0].foreach.propagate_result",
     "flow-definitions: [{name: f, edges: [{from: A, to: B, foreach: {import: m, function: g, propagate_result: "
     "'yes'}}]}]"),
    ("selective without tasks", "flows", "$.flow-definitions[0].edges[0].selective",
     "flow-definitions: [{name: f, edges: [{from: A, to: g, selective: {follow_subflows: true}}]}]"),
    ("failures as a single map", "flows", "$.flow-definitions[0].failures",
     "flow-definitions: [{name: f, edges: [{from: , to: A}], failures: {nodes: A, fallback: B}}]"),
    ("failure without fallback", "flows", "$.flow-definitions[0].failures[0]",
     "flow-definitions: [{name: f, edges: [{from: , to: A}], failures: [{nodes: A}]}]"),
    ("failure fallback false", "flows", "$.flow-definitions[0].failures[0].fallback",
     "flow-definitions: [{name: f, edges: [{from: , to: A}], failures: [{nodes: A, fallback: false}]}]"),
    ("failure with empty nodes", "flows", "$.flow-definitions[0].failures[0].nodes",
     "flow-definitions: [{name: f, edges: [{from: , to: A}], failures: [{nodes: [], fallback: B}]}]"),
    ("fallback true with propagate_failure true", "flows", "$.flow-definitions[0].failures[0]",
     "flow-definitions: [{name: f, edges: [{from: , to: A}], failures: [{nodes: A, fallback: true, "
     "propagate_failure: true}]}]"),
    ("nowait: no (YAML 1.1 false)", "flows", "$.flow-definitions[0].nowait",
     "flow-definitions: [{name: f, edges: [{from: , to: A}], nowait: no}]"),
    ("eager_failures: true", "flows", "$.flow-definitions[0].eager_failures",
     "flow-definitions: [{name: f, edges: [{from: , to: A}], eager_failures: true}]"),
    ("eager_failures without a failures section (crashes Selinon)", "flows", "$.flow-definitions[0]",
     "flow-definitions: [{name: f, edges: [{from: , to: A}], eager_failures: A}]"),
    ("selective edge with two destinations", "flows", "$.flow-definitions[0].edges[0].to",
     "flow-definitions: [{name: f, edges: [{from: A, to: [g, h], selective: {tasks: [T]}}]}]"),
    ("propagate_node_args with a number", "flows", "$.flow-definitions[0].propagate_node_args",
     "flow-definitions: [{name: f, edges: [{from: , to: A}], propagate_node_args: 0}]"),
    ("sampling built-in with a wrong argument", "flows", "$.flow-definitions[0].sampling.args",
     "flow-definitions: [{name: f, edges: [{from: , to: A}], sampling: {name: constant, args: {retries: 5}}}]"),
    ("sampling without args", "flows", "$.flow-definitions[0].sampling",
     "flow-definitions: [{name: f, edges: [{from: , to: A}], sampling: {name: constant}}]"),
    ("unknown built-in strategy", "flows", "$.flow-definitions[0].sampling.name",
     "flow-definitions: [{name: f, edges: [{from: , to: A}], sampling: {name: exponential, args: {a: 1}}}]"),
    ("flow cache null", "flows", "$.flow-definitions[0].cache",
     "flow-definitions: [{name: f, edges: [{from: , to: A}], cache: }]"),
]

# unusual documents Selinon accepts; every document must be ACCEPTED
MUST_ACCEPT = [
    ("minimal nodes file", "nodes",
     "tasks: []\nflows: []"),
    ("nodes file with an anchor holder", "nodes",
     "x-defaults: &d {import: app.tasks}\ntasks: [{<<: *d, name: A}]\nflows: []"),
    ("trace as a single map, queue null, selective_run_function null", "nodes",
     "tasks: [{name: A, import: app.tasks, queue: , selective_run_function: }]\nflows: []\nglobal: {trace: "
     "{logging: true}, migration_dir: '{MIGRATION_DIR}'}"),
    ("trace false", "nodes",
     "tasks: []\nflows: []\nglobal: {trace: false}"),
    ("storage with cache defaults", "nodes",
     "tasks: []\nflows: []\nstorages: [{name: S, import: m, configuration: {a: 1}, cache: {}}]"),
    ("flows file as a list of documents", "flows",
     "- flow-definitions: [{name: f, edges: [{from: [], to: A}]}]\n- flow-definitions: []"),
    ("flows file with an anchor holder", "flows",
     "anchors: {c: &c {name: alwaysTrue}}\nflow-definitions: [{name: f, edges: [{from: '', to: A, condition: "
     "*c}]}]"),
    ("custom predicate with arbitrary arguments", "flows",
     "flow-definitions: [{name: f, edges: [{from: A, to: B, condition: {name: myPredicate, node: A, args: {x: "
     "[1, 2]}}}]}]"),
    ("nested logical condition, date argument", "flows",
     "flow-definitions: [{name: f, edges: [{from: A, to: B, condition: {and: [{name: alwaysTrue}, {or: [{name: "
     "alwaysFalse}, {not: {name: argsFieldGreater, args: {key: [a, 0], value: 2017-01-01}}}]}]}}]}]"),
    ("failure with empty fallback list, fallback true, condition", "flows",
     "flow-definitions: [{name: f, edges: [{from: , to: [A, B]}], failures: [{nodes: A, fallback: []}, {nodes: "
     "[A, B], fallback: true, condition: {name: argsFieldExist, args: {key: k}}}]}]"),
    ("selective edge, foreach, every propagate form", "flows",
     "flow-definitions: [{name: f, edges: [{from: , to: A}, {from: A, to: g, selective: {tasks: [T], "
     "run_subsequent: [g]}}, {from: A, to: [g], foreach: {import: m, function: h, propagate_result: true}}], "
     "propagate_parent: true, propagate_finished: g, propagate_compound_finished: [], nowait: [], "
     "eager_failures: , failures: [], sampling: {}, node_args_from_first: false, max_retry: 2, retry_countdown: "
     "10, queue: 'q_{QUEUE_SUFFIX}', throttling: {minutes: 1.5}}]"),
    ("custom sampling strategy", "flows",
     "flow-definitions: [{name: f, edges: [{from: , to: A}], sampling: {name: mine, import: app.sampling, args: "
     "{anything: 1}}}]"),
]


def self_checks(validators):
    samples = (("nodes", NODES_OK), ("flows", FLOWS_OK))
    for kind, text in samples:
        errors = describe_errors(validators[kind], to_json_compatible(yaml.safe_load(text)))
        if errors:
            fail("self-check: reference %s document rejected: %s" % (kind, "; ".join(errors)))
    rejected = accepted = 0
    for description, kind, path, text in MUST_REJECT:
        document = to_json_compatible(yaml.safe_load(text))
        errors = describe_errors(validators[kind], document)
        if not errors:
            fail("self-check: %s schema accepts invalid document (%s): %s" % (kind, description, text))
        elif not any(error.startswith(path + ": ") for error in errors):
            fail("self-check: %s schema rejects document (%s) for an unexpected reason: expected an error "
                 "at %s, got %s" % (kind, description, path, "; ".join(errors)))
        else:
            rejected += 1
    for description, kind, text in MUST_ACCEPT:
        document = to_json_compatible(yaml.safe_load(text))
        errors = describe_errors(validators[kind], document)
        if errors:
            fail("self-check: %s schema rejects valid document (%s): %s" % (kind, description, "; ".join(errors)))
        else:
            accepted += 1
    print("ok   self-checks: %d/%d invalid documents rejected, %d/%d unusual valid documents accepted"
          % (rejected, len(MUST_REJECT), accepted, len(MUST_ACCEPT)))


# --------------------------------------------------------------------------------------------
# runtime documents: migration files and dispatcher messages
# --------------------------------------------------------------------------------------------

RUNTIME_MUST_REJECT = (
    ("legacy list form of tainted_edges", "migration",
     {"migration": {"f": {"translation": {}, "tainted_edges": [], "tainting_nodes": {}}}, "tainted_flow_strategy": "IGNORE"}),
    ("missing strategy", "migration", {"migration": {}}),
    ("unknown strategy", "migration", {"migration": {}, "tainted_flow_strategy": "PANIC"}),
    ("non-canonical edge index", "migration",
     {"migration": {"f": {"translation": {"01": 2}, "tainted_edges": {}, "tainting_nodes": {}}}, "tainted_flow_strategy": "FAIL"}),
    ("negative edge index in a state", "message", {"flow_name": "f", "state": {"waiting_edges": [-1]}}),
    ("duplicate edge in a state", "message", {"flow_name": "f", "state": {"triggered_edges": [1, 1]}}),
    ("message without flow_name", "message", {"state": None}),
)


def check_runtime_documents(validators):
    """Every committed migration file and every example dispatcher message match their schema."""
    checked = 0
    migration_dir = os.path.join(REPO_ROOT, "migrations")
    for name in sorted(os.listdir(migration_dir)):
        if not name.endswith(".json") or name.startswith("."):
            continue
        with open(os.path.join(migration_dir, name)) as stream:
            errors = describe_errors(validators["migration"], json.load(stream))
        if errors:
            fail("migrations/%s: %s" % (name, "; ".join(errors)))
        checked += 1
    for root, _, files in os.walk(EXAMPLES_DIR):
        for name in sorted(files):
            if not name.endswith(".jsonl"):
                continue
            path = os.path.join(root, name)
            with open(path) as stream:
                for number, line in enumerate(stream, 1):
                    errors = describe_errors(validators["message"], json.loads(line))
                    if errors:
                        fail("%s:%d: %s" % (os.path.relpath(path, REPO_ROOT), number, "; ".join(errors)))
                    checked += 1
    for description, kind, document in RUNTIME_MUST_REJECT:
        if not describe_errors(validators[kind], document):
            fail("self-check: %s schema accepts invalid document (%s)" % (kind, description))
    print("ok   %d migration files and dispatcher messages match their schema; %d invalid runtime documents rejected"
          % (checked, len(RUNTIME_MUST_REJECT)))
    return checked


def main():
    nodes_schema, nodes_ok = load_schema("nodes.schema.json")
    flows_schema, flows_ok = load_schema("flows.schema.json")
    if not (nodes_ok and flows_ok):
        print("schemas are invalid, not validating documents")
        return 1
    validators = {
        "nodes": Draft202012Validator(nodes_schema),
        "flows": Draft202012Validator(flows_schema),
    }
    print("ok   schemas/nodes.schema.json and schemas/flows.schema.json are valid draft 2020-12 schemas")
    checked = check_examples(validators)
    self_checks(validators)
    migration_schema, migration_ok = load_schema("migration.schema.json")
    message_schema, message_ok = load_schema("dispatcher-message.schema.json")
    if migration_ok and message_ok:
        validators["migration"] = Draft202012Validator(migration_schema)
        validators["message"] = Draft202012Validator(message_schema)
        check_runtime_documents(validators)
    if FAILURES:
        print("%d problem(s) found" % len(FAILURES))
        return 1
    print("all %d example YAML file(s) match their schema" % checked)
    return 0


if __name__ == "__main__":
    sys.exit(main())
