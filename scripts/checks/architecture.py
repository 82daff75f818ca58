"""The module graph as Package.swift declares it, checked against the sources (scripts/test).

Reads `swift package dump-package` (JSON on stdin) and every target's Swift files, and prints
`ok - …` / `FAIL - …` lines:

- every module a target imports is a dependency it declares (a target that compiles only
  because a module came in through another one breaks when that one changes);
- the transports know no application: FCGIServer (the FastCGI pool) and ChatDaemon (the
  WebSocket server) do not depend on Handlers (the REST controllers), directly or through
  another target; AppCore, the HTTP layer, depends on no application target either.
"""
import json
import os
import re
import sys

# Modules of the toolchain, always there: no declaration needed.
SYSTEM = {"Swift", "Glibc", "Darwin", "Foundation", "FoundationEssentials", "FoundationNetworking", "Dispatch",
          "Synchronization", "_Concurrency", "Testing", "XCTest"}
FORBIDDEN = {  # target: modules it must not reach
    "FCGIServer": {"Handlers"},
    "ChatDaemon": {"Handlers"},
    "AppCore": {"Handlers", "JobQueue", "Jobs", "ChatCore", "ChatHistory", "ChatDaemon", "FCGIServer", "FCGIApp"},
}
IMPORT = re.compile(r"^\s*(?:@testable\s+|@_exported\s+|(?:public|internal|package|private|fileprivate)\s+)*import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)", re.M)

passed = failed = 0


def ok(name):
    global passed
    passed += 1
    print(f"ok - {name}")


def fail(name, why):
    global failed
    failed += 1
    print(f"FAIL - {name} ({why})")


def declared(target):
    names = set()
    for dependency in target["dependencies"]:
        kind, value = next(iter(dependency.items()))
        names.add(value[0])
    return names


def main():
    package = json.load(sys.stdin)
    root = sys.argv[1]
    targets = {t["name"]: t for t in package["targets"]}
    graph = {name: declared(t) for name, t in targets.items()}

    for name, target in sorted(targets.items()):
        if target["type"] == "system":
            continue
        folder = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", name)
        imported = set()
        for directory, _, files in os.walk(os.path.join(root, folder)):
            for file in files:
                if file.endswith(".swift"):
                    with open(os.path.join(directory, file), encoding="utf-8") as source:
                        imported |= set(IMPORT.findall(source.read()))
        missing = sorted(imported - graph[name] - SYSTEM - {name})
        if missing:
            fail(f"architecture: {name} declares every module it imports", f"imports without declaring: {', '.join(missing)}")
        else:
            ok(f"architecture: {name} declares every module it imports ({len(imported - SYSTEM)})")

    def reach(start):
        seen, stack = set(), list(graph.get(start, ()))
        while stack:
            module = stack.pop()
            if module not in seen:
                seen.add(module)
                stack.extend(graph.get(module, ()))
        return seen

    for name, banned in sorted(FORBIDDEN.items()):
        reached = sorted(reach(name) & banned)
        if reached:
            fail(f"architecture: {name} does not depend on {', '.join(sorted(banned))}", f"it reaches {', '.join(reached)}")
        else:
            ok(f"architecture: {name} does not depend on {', '.join(sorted(banned))}")
    print(f"# architecture: {passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)


main()
