#!/usr/bin/env python3
"""Check the YAML scalar-resolution fixtures against PyYAML.

The Swift YAML layer must resolve plain scalars exactly like PyYAML's SafeLoader
(YAML 1.1), because that is what Selinon uses to read its configuration. The
fixtures in Tests/YAMLTreeTests/Fixtures record the expected results:

* scalar-resolution.json - each case is loaded as the document "value: <yaml>\\n"
  and describes the value under the key "value";
* key-resolution.json - each case is loaded as the document "<yaml>: 1\\n" and
  describes the single key of the resulting mapping.

This script re-derives every case with PyYAML's pure-Python SafeLoader (never the
libyaml-based CSafeLoader) and exits with status 1, listing every mismatch, if a
fixture disagrees with PyYAML or is malformed. Run it from the repository root
inside the Selinon venv:

    python compat/check_scalar_fixtures.py
"""

import datetime
import json
import re
import sys
from pathlib import Path

import yaml
import yaml.loader

FIXTURE_DIR = Path(__file__).resolve().parent.parent / "Tests" / "YAMLTreeTests" / "Fixtures"

# fixture file name -> how a case's "yaml" text is placed in a document
FIXTURE_FILES = {
    "scalar-resolution.json": "value",
    "key-resolution.json": "key",
}

KINDS_WITHOUT_VALUE = {"null", "error"}
KINDS_WITH_STRING_VALUE = {"int", "float", "str", "date", "datetime"}
INT_PATTERN = re.compile(r"^-?(0|[1-9][0-9]*)$")
DATE_PATTERN = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
RAISES_PATTERN = re.compile(r"\braises (\w+)")


def make_document(yaml_text, mode):
    if mode == "value":
        return "value: " + yaml_text + "\n"
    return yaml_text + ": 1\n"


def int_to_decimal(value):
    """str(int) without CPython's max_str_digits limit (the limit only matters while loading)."""
    set_limit = getattr(sys, "set_int_max_str_digits", None)
    if set_limit is None:
        return str(value)
    old_limit = sys.get_int_max_str_digits()
    set_limit(0)
    try:
        return str(value)
    finally:
        set_limit(old_limit)


def describe(obj):
    """The fixture's "expected" object for a constructed Python value."""
    if obj is None:
        return {"kind": "null"}
    if isinstance(obj, bool):  # before int: bool is a subclass of int
        return {"kind": "bool", "value": obj}
    if isinstance(obj, int):
        return {"kind": "int", "value": int_to_decimal(obj)}
    if isinstance(obj, float):
        return {"kind": "float", "value": repr(obj)}
    if isinstance(obj, str):
        return {"kind": "str", "value": obj}
    if isinstance(obj, datetime.datetime):  # before date: datetime is a subclass of date
        return {"kind": "datetime", "value": obj.isoformat()}
    if isinstance(obj, datetime.date):
        return {"kind": "date", "value": obj.isoformat()}
    return {"kind": "unsupported", "python_type": type(obj).__name__, "repr": repr(obj)}


def derive(yaml_text, mode):
    """Load one case with the pure-Python SafeLoader.

    Returns (expected, exception_name); exception_name is None unless loading raised.
    """
    document = make_document(yaml_text, mode)
    try:
        data = yaml.load(document, Loader=yaml.SafeLoader)
    except Exception as exc:  # Selinon wraps every exception into "Bad YAML file"
        return {"kind": "error"}, type(exc).__name__
    if mode == "value":
        if not isinstance(data, dict) or list(data) != ["value"]:
            return {"kind": "unsupported", "document": repr(data)}, None
        return describe(data["value"]), None
    items = list(data.items()) if isinstance(data, dict) else []
    if len(items) != 1 or type(items[0][1]) is not int or items[0][1] != 1:
        return {"kind": "unsupported", "document": repr(data)}, None
    return describe(items[0][0]), None


def shorten(text, limit=60):
    shown = repr(text)
    if len(shown) > limit:
        shown = shown[: limit - 15] + "..." + " (%d chars)" % len(text)
    return shown


def schema_problems(case):
    if not isinstance(case, dict):
        return ["case is not a JSON object"]
    problems = []
    extra = set(case) - {"yaml", "expected", "note"}
    if extra:
        problems.append("unknown fields %s" % sorted(extra))
    yaml_text = case.get("yaml")
    if not isinstance(yaml_text, str):
        problems.append('"yaml" must be a string')
    elif "\n" in yaml_text or "\r" in yaml_text:
        problems.append('"yaml" must fit on one line')
    if "note" in case and not isinstance(case["note"], str):
        problems.append('"note" must be a string')
    expected = case.get("expected")
    if not isinstance(expected, dict):
        problems.append('"expected" must be an object')
        return problems
    kind = expected.get("kind")
    if kind in KINDS_WITHOUT_VALUE:
        allowed = {"kind"}
    elif kind == "bool":
        allowed = {"kind", "value"}
        if not isinstance(expected.get("value"), bool):
            problems.append("bool value must be true or false")
    elif kind in KINDS_WITH_STRING_VALUE:
        allowed = {"kind", "value"}
        value = expected.get("value")
        if not isinstance(value, str):
            problems.append("%s value must be a string" % kind)
        elif kind == "int" and not INT_PATTERN.match(value):
            problems.append("int value must be a decimal string")
        elif kind == "date" and not DATE_PATTERN.match(value):
            problems.append("date value must be YYYY-MM-DD")
    else:
        problems.append("unknown kind %r" % (kind,))
        return problems
    if set(expected) - allowed:
        problems.append("unexpected fields in expected: %s" % sorted(set(expected) - allowed))
    return problems


def check_file(name, mode):
    """Returns (number of cases, list of problem lines)."""
    path = FIXTURE_DIR / name
    try:
        cases = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return 0, ["%s: cannot read fixture: %s" % (name, exc)]
    if not isinstance(cases, list):
        return 0, ["%s: the fixture must be a JSON array" % name]
    problems = []
    seen = {}
    for index, case in enumerate(cases):
        label = "%s: case %d" % (name, index)
        if isinstance(case, dict) and isinstance(case.get("yaml"), str):
            label += " yaml=%s" % shorten(case["yaml"])
        malformed = schema_problems(case)
        if malformed:
            problems.extend("%s: %s" % (label, problem) for problem in malformed)
            continue
        yaml_text = case["yaml"]
        if yaml_text in seen:
            problems.append("%s: duplicate of case %d" % (label, seen[yaml_text]))
        seen.setdefault(yaml_text, index)
        actual, exception_name = derive(yaml_text, mode)
        if actual != case["expected"]:
            detail = json.dumps(actual, ensure_ascii=False)
            if exception_name:
                detail += " (raises %s)" % exception_name
            problems.append("%s: fixture expects %s, PyYAML gives %s"
                            % (label, json.dumps(case["expected"], ensure_ascii=False), detail))
            continue
        claimed = RAISES_PATTERN.search(case.get("note", ""))
        if claimed and claimed.group(1) != exception_name:
            problems.append("%s: note says it raises %s, PyYAML raises %s"
                            % (label, claimed.group(1), exception_name))
    return len(cases), problems


def main():
    if yaml.SafeLoader is not yaml.loader.SafeLoader or "CParser" in [
            base.__name__ for base in yaml.SafeLoader.__mro__]:
        print("yaml.SafeLoader is not PyYAML's pure-Python loader", file=sys.stderr)
        return 1
    failed = False
    summaries = []
    for name, mode in FIXTURE_FILES.items():
        count, problems = check_file(name, mode)
        for problem in problems:
            print(problem)
        if problems:
            failed = True
            summaries.append("%s: %d problem(s) in %d cases checked against PyYAML %s"
                             % (name, len(problems), count, yaml.__version__))
        else:
            summaries.append("%s: %d cases agree with PyYAML %s" % (name, count, yaml.__version__))
    for summary in summaries:
        print(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
