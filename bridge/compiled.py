"""The compiled core: the pure core's hot modules, compiled to C with mypyc, used where built.

`decide` runs for every ticket event and every due ticket of every sweep. Compiled, its
modules judge a ticket in about 55% of the time (docs/BENCHMARKS.md); the Python sources
stay the reference, and the bridge runs on them wherever no compiled core was built (no C
compiler, another interpreter, `BRIDGE_PURE_PYTHON=1`).

`bridge core build` compiles `MODULES` into `<environment>/bridge-core/<digest>` (the
virtual environment's own: the result fits one interpreter), named by the digest of the
package's sources. A package of the core puts that folder first on its `__path__`
(`prefer_compiled`), so its compiled modules load instead of the sources; only a build of the
sources as they are now is used, so an edit is never shadowed by an older build (the edited
sources run as Python until built again; `bridge core status` says "stale").
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # holds `bridge/`
CORE_DIR = Path(sys.prefix) / "bridge-core"
PURE_ENV = "BRIDGE_PURE_PYTHON"
LIBRARY_DIR = "lib"  # in a build: the modules' shared library, imported by its own name
_STAGING = ".building-"

# The modules every decision runs through. Not here: the shell, which waits on the network,
# not on the CPU. (A compiled class takes nothing but itself: no stand-in for a Context.)
MODULES = (
    "bridge/timetext.py",
    "bridge/rules/calendar.py",
    "bridge/rules/conditions.py",
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


def sources(root: Path = PACKAGE_ROOT) -> list[Path]:
    """Every source of the package: its `.py` files, not an editor's hidden lock or backup files."""
    found = []
    for path in (root / "bridge").rglob("*.py"):
        if not any(part.startswith(".") for part in path.relative_to(root).parts) and path.is_file():
            found.append(path)
    return sorted(found)


def sources_digest(root: Path = PACKAGE_ROOT) -> str:
    """One digest of every source of the package, as they are now.

    Every source, not only `MODULES`: compiled code is built against the types of what it
    imports (the model, the rules engine), so a change there needs a new build too."""
    digest = hashlib.sha256()
    for source in sources(root):
        digest.update(source.relative_to(root).as_posix().encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def _builds(core: Path) -> list[Path]:
    try:
        return [p for p in core.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return []


def state(core: Path = CORE_DIR) -> str:
    """'compiled', or why the sources run: 'off' (BRIDGE_PURE_PYTHON), 'not built', 'stale'."""
    return _state(core)[0]


def _state(core: Path) -> tuple[str, Path | None]:
    """The state, and the build of the sources as they are now where there is one."""
    if os.environ.get(PURE_ENV, "").strip() not in ("", "0"):
        return "off", None
    builds = _builds(core)
    if not builds:
        return "not built", None  # (no digest to compute: nothing to compare it with)
    try:
        build = core / sources_digest()
        return ("compiled", build) if build in builds else ("stale", None)
    except OSError:  # a source that cannot be read now: its build cannot be told, run the sources
        return "stale", None


_BUILD_IN_USE: Path | None = None  # decided once per process: every package of the core agrees
_DECIDED = False


def prefer_compiled(package_path: list[str], package: str) -> None:
    """Put the compiled modules of `package` (e.g. "bridge.rules") ahead of its sources."""
    global _BUILD_IN_USE, _DECIDED
    if not _DECIDED:
        _DECIDED = True
        _BUILD_IN_USE = _state(CORE_DIR)[1]
        if _BUILD_IN_USE is not None:
            library = str(_BUILD_IN_USE / LIBRARY_DIR)
            if library not in sys.path:
                sys.path.append(library)  # holds nothing but the shared library: no package shadows
    if _BUILD_IN_USE is not None:
        folder = _BUILD_IN_USE.joinpath(*package.split("."))
        try:
            if folder.is_dir() and str(folder) not in package_path:
                package_path.insert(0, str(folder))
        except OSError:  # a build this user may not read: the sources run
            pass


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

KEEP_SUPERSEDED = 3600  # seconds an older build stays: a process started on it may still import from it


def build(core: Path = CORE_DIR) -> Path:
    """Compile `MODULES` into `core/<digest>` and remove builds superseded long ago.

    Raises OSError before compiling when `core` cannot be written or no C compiler is found,
    CalledProcessError with the compiler's output when compiling fails (a type error mypyc
    refuses)."""
    core.mkdir(parents=True, exist_ok=True)
    if core.stat().st_mode & 0o755 != 0o755 and core.stat().st_uid == os.geteuid():
        core.chmod(core.stat().st_mode | 0o755)  # every user of the environment reads the build
    if not os.access(core, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write the compiled core to {core}")
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if not shutil.which(compiler):
        raise FileNotFoundError(f"no C compiler: {compiler} is not on PATH")
    with tempfile.TemporaryDirectory(prefix="bridge-core-") as scratch:
        work = Path(scratch)
        shutil.copytree(PACKAGE_ROOT / "bridge", work / "bridge", ignore=shutil.ignore_patterns("__pycache__", "*.so", ".*"))
        digest = sources_digest(work)  # of what is compiled: the sources may change meanwhile
        done = subprocess.run([sys.executable, "-c", _BUILD, *MODULES], cwd=work, capture_output=True, text=True)
        if done.returncode:
            raise subprocess.CalledProcessError(done.returncode, "mypyc", done.stdout, done.stderr)
        staged = Path(tempfile.mkdtemp(prefix=_STAGING, dir=core))
        for built in work.rglob("*.so"):
            placed = built.relative_to(work)
            if placed.parts[0] == "build":
                continue
            target = staged / placed if placed.parts[0] == "bridge" else staged / LIBRARY_DIR / placed.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(built, target)
        for made in (staged, *staged.rglob("*")):
            made.chmod(0o755)  # readable by every user of the environment, whatever the umask
    final = core / digest
    try:
        staged.rename(final)  # appears whole: a process starting meanwhile sees no build or all of it
    except OSError:
        shutil.rmtree(staged, ignore_errors=True)  # a build of the same sources finished first
        if not final.is_dir():
            raise
    remove_superseded(core, keep=final)
    return final


def remove_superseded(core: Path, *, keep: Path) -> None:
    """Remove builds other than `keep` made over `KEEP_SUPERSEDED` ago, and leftovers of
    builds cut off.

    A younger one stays: a process started on it may still import from it, and a build of
    newer sources that finished first must survive one of older sources finishing after it.
    """
    now = time.time()
    for entry in core.iterdir():
        try:
            old = now - entry.lstat().st_mtime > KEEP_SUPERSEDED
        except FileNotFoundError:
            continue  # another build's staging folder, renamed meanwhile
        if entry == keep or not old:
            continue
        if entry.is_dir() and not entry.is_symlink():
            # Renamed away first (atomic), so no process finds half of it.
            doomed = entry.with_name(f".removing-{entry.name}-{os.getpid()}")
            try:
                entry.rename(doomed)
            except OSError:
                continue
            shutil.rmtree(doomed, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
