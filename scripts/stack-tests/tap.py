"""TAP-like output of the Python parts of the stack tests, in the format of scripts/lib/check.sh:
`ok - name`, `FAIL - name (why)`, `# note`. finish() exits 0 when every check passed and 3 when
one failed (a crash exits 1 with its traceback), which the bash wrappers tell apart."""
import os
import sys

PASSED = 0
FAILED = 0


def ok(name):
    global PASSED
    PASSED += 1
    print(f"ok - {name}", flush=True)


def fail(name, why):
    global FAILED
    FAILED += 1
    why = " ".join(str(why).split())
    if len(why) > 300:
        why = why[:300] + "…"
    print(f"FAIL - {name} ({why})", flush=True)


def info(text):
    print(f"# {text}", flush=True)


def check(name, condition, why=""):
    if condition:
        ok(name)
    else:
        fail(name, why or "condition false")
    return condition


def check_eq(name, expected, got):
    if expected == got:
        ok(name)
        return True
    fail(name, f"expected {expected!r}, got {got!r}")
    return False


def finish():
    info(f"{os.path.basename(sys.argv[0])}: {PASSED} passed, {FAILED} failed")
    sys.exit(0 if FAILED == 0 else 3)
