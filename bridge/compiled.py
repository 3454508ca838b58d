"""The compiled core: the pure core's hot modules, compiled to C with mypyc, used where built.

`decide` runs for every ticket event and every due ticket of every sweep. Compiled, its
modules judge a ticket in about 60% of the time (docs/BENCHMARKS.md); the Python sources
stay the reference, and the bridge runs on them wherever no compiled core was built (no C
compiler, another interpreter, `BRIDGE_PURE_PYTHON=1`).

`bridge core build` compiles `MODULES` into `<environment>/bridge-core` (the
virtual environment's own: the result fits one interpreter) with the sources' digest beside
them. A package of the core puts that folder first on its `__path__` (`prefer_compiled`), so
its compiled modules load instead of the sources; only while the digest matches, so a changed
source is never shadowed by an older build (it runs as Python, with a warning, until built again).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # holds `bridge/`
CORE_DIR = Path(sys.prefix) / "bridge-core"
DIGEST_FILE = "SOURCES.sha256"
PURE_ENV = "BRIDGE_PURE_PYTHON"

# The modules every decision runs through. Not here: modules whose values are duck-typed on
# purpose (rules/conditions.py: its Context has a stand-in while rules are checked), and the
# shell, which waits on the network, not on the CPU.
MODULES = (
    "bridge/timetext.py",
    "bridge/rules/calendar.py",
    "bridge/rules/classify.py",
    "bridge/rules/route.py",
    "bridge/rules/sla.py",
    "bridge/rules/evaluate.py",
    "bridge/rules/notify.py",
    "bridge/sync/decide.py",
    "bridge/sync/notify.py",
    "bridge/sync/routing.py",
    "bridge/sync/escalate.py",
    "bridge/sync/sla_marks.py",
    "bridge/sync/mirror.py",
)


def sources_digest(root: Path = PACKAGE_ROOT) -> str:
    """One digest of the compiled modules' sources, as they are now."""
    digest = hashlib.sha256()
    for module in MODULES:
        digest.update(module.encode() + b"\0" + (root / module).read_bytes() + b"\0")
    return digest.hexdigest()


def state(core: Path = CORE_DIR) -> str:
    """'compiled', or why the sources run: 'off' (BRIDGE_PURE_PYTHON), 'not built', 'stale'."""
    if os.environ.get(PURE_ENV, "").strip() not in ("", "0"):
        return "off"
    try:
        built = (core / DIGEST_FILE).read_text().strip()
    except OSError:
        return "not built"
    return "compiled" if built == sources_digest() else "stale"


_STATE: str | None = None  # decided once per process: every package of the core agrees


def prefer_compiled(package_path: list[str], package: str) -> None:
    """Put the compiled modules of `package` (e.g. "bridge.rules") ahead of its sources."""
    global _STATE
    if _STATE is None:
        _STATE = state()
        if _STATE == "stale":
            warnings.warn(
                f"the compiled core in {CORE_DIR} was built from other sources: running them as Python "
                "(make rebuilds it; bridge core build)", stacklevel=2,
            )
        if _STATE == "compiled" and str(CORE_DIR) not in sys.path:
            sys.path.append(str(CORE_DIR))  # the modules' shared library is imported by its own name
    if _STATE == "compiled":
        folder = CORE_DIR.joinpath(*package.split("."))
        if folder.is_dir() and str(folder) not in package_path:
            package_path.insert(0, str(folder))


def compiled_modules() -> list[str]:
    """The core's modules running compiled in this process (their names)."""
    names = [m.removesuffix(".py").replace("/", ".") for m in MODULES]
    return [n for n in names if n in sys.modules and not str(sys.modules[n].__file__ or "").endswith(".py")]


_BUILD = """
import sys
from setuptools import setup
from mypyc.build import mypycify
setup(name="bridge-core", script_args=["build_ext", "--inplace"],
      ext_modules=mypycify(sys.argv[1:] + ["--ignore-missing-imports", "--follow-imports=silent"], opt_level="3"))
"""


def build(core: Path = CORE_DIR) -> Path:
    """Compile `MODULES` into `core` (replacing what it held). Raises CalledProcessError with the
    compiler's output when it fails (no C compiler, a type error mypyc refuses)."""
    digest = sources_digest()
    with tempfile.TemporaryDirectory(prefix="bridge-core-") as scratch:
        work = Path(scratch)
        shutil.copytree(PACKAGE_ROOT / "bridge", work / "bridge", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
        done = subprocess.run([sys.executable, "-c", _BUILD, *MODULES], cwd=work, capture_output=True, text=True)
        if done.returncode:
            raise subprocess.CalledProcessError(done.returncode, "mypyc", done.stdout, done.stderr)
        staged = Path(tempfile.mkdtemp(prefix="bridge-core-", dir=core.parent))
        for built in work.rglob("*.so"):
            if "build" not in built.relative_to(work).parts[:1]:
                target = staged / built.relative_to(work)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(built, target)
        (staged / DIGEST_FILE).write_text(digest + "\n")
    # Swapped whole: a process starting meanwhile sees the old core or the new one.
    old = core.with_name(core.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if core.exists():
        core.rename(old)
    staged.rename(core)
    shutil.rmtree(old, ignore_errors=True)
    return core
