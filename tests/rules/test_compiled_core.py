"""The compiled core decides exactly as its Python sources do, and is used only while it matches them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bridge import compiled

ROOT = Path(__file__).resolve().parents[2]
REQUIRE_COMPILED = os.environ.get("BRIDGE_TEST_REQUIRE_COMPILED") == "1"

# Decisions on generated tickets (the benchmark's three cases), as one digest and a count.
_DECISIONS = """
import hashlib, sys
from bench.bench_decide import _after, generate_events
from bench.bench_rules import NOW, generate
from bridge.compiled import compiled_modules
from bridge.model import TicketState
from bridge.rules import load_rules
from bridge.sync.decide import decide
rules = load_rules("rules.yaml")
events = [(t, TicketState(), now) for t, now in generate_events(1500, seed=11)]
backlog = [(t, TicketState(pauses=tuple(p)), NOW) for t, p in generate(1500, seed=12)]
digest, actions = hashlib.sha256(), 0
for ticket, state, now in events + backlog:
    decision = decide(ticket, state, rules, now=now, default_project="SUP")
    later = decide(ticket, _after(decision, state), rules, now=now, default_project="SUP")
    for made in (decision, later):
        digest.update(repr(made).encode())
        actions += len(made.actions)
print(len(compiled_modules()), actions, digest.hexdigest())
"""


def _decisions(*, pure: bool) -> tuple[int, int, str]:
    env = {k: v for k, v in os.environ.items() if k != compiled.PURE_ENV} | ({compiled.PURE_ENV: "1"} if pure else {})
    done = subprocess.run([sys.executable, "-c", _DECISIONS], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=240, check=True)
    modules, actions, digest = done.stdout.split()
    return int(modules), int(actions), digest


def _built_here() -> None:
    """Skip unless the compiled core is built for these sources; where CI requires it, fail."""
    here = compiled.state()
    if here == "off":
        pytest.skip(f"{compiled.PURE_ENV} is set: the sources run")
    if here != "compiled":
        reason = f"the compiled core is {here} here (bridge core build)"
        if REQUIRE_COMPILED:
            pytest.fail(reason)
        pytest.skip(reason)


def test_the_compiled_core_makes_the_same_decisions_as_the_sources() -> None:
    _built_here()
    fast, pure = _decisions(pure=False), _decisions(pure=True)
    assert fast[0] == len(compiled.MODULES) and pure[0] == 0  # each ran as it should
    assert pure[1] > 1000  # decisions that plan things: escalations, notices, routing
    assert fast[1:] == pure[1:]


def test_a_core_built_from_other_sources_or_switched_off_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(compiled.PURE_ENV, raising=False)
    assert compiled.state(tmp_path / "none") == "not built"
    (tmp_path / ("0" * 64)).mkdir()  # a build of sources since changed
    assert compiled.state(tmp_path) == "stale"
    (tmp_path / compiled.sources_digest()).mkdir()
    assert compiled.state(tmp_path) == "compiled"
    monkeypatch.setenv(compiled.PURE_ENV, "1")
    assert compiled.state(tmp_path) == "off"


def _copy_of_the_sources(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "bridge", tmp_path / "bridge", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    return tmp_path


def test_any_source_of_the_package_changes_the_digest(tmp_path: Path) -> None:
    root = _copy_of_the_sources(tmp_path)
    before = compiled.sources_digest(root)
    model = root / "bridge" / "model.py"  # not compiled, but compiled code is built against its types
    model.write_text(model.read_text() + "\n# edited\n")
    assert compiled.sources_digest(root) != before


def test_an_editors_lock_file_is_no_source(tmp_path: Path) -> None:
    root = _copy_of_the_sources(tmp_path)
    before = compiled.sources_digest(root)
    (root / "bridge" / "sync" / ".#decide.py").symlink_to("someone@host.1234")  # as Emacs leaves it: dangling
    assert compiled.sources_digest(root) == before


def test_bridge_core_status_says_which_core_decides() -> None:
    env = {k: v for k, v in os.environ.items() if k != compiled.PURE_ENV}
    command = [sys.executable, "-m", "bridge.cli", "core", "status"]  # on this checkout's sources
    here = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True)
    assert here.stdout.strip() == compiled.state()
    assert here.stderr == ""  # a stale core is reported by this command and the daemon, not on every start
    off = subprocess.run(command, cwd=ROOT, env=env | {compiled.PURE_ENV: "1"}, capture_output=True, text=True,
                         timeout=60, check=True)
    assert off.stdout.strip() == "off"


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


def test_a_build_leaves_one_whole_build_named_by_its_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _built_here()
    monkeypatch.delenv(compiled.PURE_ENV, raising=False)
    core = tmp_path / "core"
    (core / ("0" * 64) / "bridge").mkdir(parents=True)  # built long ago
    (core / "SOURCES.sha256").write_text("leftover\n")  # of a layout from before
    for old in core.iterdir():
        _age(old, 2 * compiled.KEEP_SUPERSEDED)
    built = compiled.build(core)
    assert [p.name for p in core.iterdir()] == [compiled.sources_digest()] == [built.name]
    assert compiled.state(core) == "compiled"
    assert all(p.stat().st_mode & 0o777 == 0o755 for p in (built, *built.rglob("*")))
    library = list((built / compiled.LIBRARY_DIR).iterdir())
    assert len(library) == 1 and "__mypyc" in library[0].name  # alone on sys.path: no package beside it
    shims = sorted(p.relative_to(built).with_suffix("").with_suffix("").as_posix() for p in built.rglob("bridge/**/*.so"))
    assert shims == sorted(m.removesuffix(".py") for m in compiled.MODULES)


def test_a_newer_build_or_one_under_way_survives_the_cleanup_of_another(tmp_path: Path) -> None:
    core = tmp_path / "core"
    keep, newer, older = core / ("a" * 64), core / ("b" * 64), core / ("c" * 64)
    under_way, cut_off = core / ".building-x1", core / ".building-x2"
    for folder in (keep, newer, older, under_way, cut_off):
        (folder / "lib").mkdir(parents=True)
    _age(older, 2 * compiled.KEEP_SUPERSEDED)
    _age(cut_off, 2 * compiled.KEEP_SUPERSEDED)
    compiled.remove_superseded(core, keep=keep)
    assert sorted(p.name for p in core.iterdir()) == sorted([keep.name, newer.name, under_way.name])


def _never_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    def compile_anyway(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled although the result could not be kept")

    monkeypatch.setattr(compiled.subprocess, "run", compile_anyway)


def test_a_place_that_cannot_be_created_is_refused_before_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    _never_compile(monkeypatch)
    with pytest.raises(OSError):
        compiled.build(Path("/proc/bridge-core"))  # not even root may create it


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a read-only folder")
def test_a_folder_that_cannot_be_written_is_refused_before_compiling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _never_compile(monkeypatch)
    core = tmp_path / "core"
    core.mkdir(mode=0o555)
    with pytest.raises(PermissionError, match="cannot write the compiled core"):
        compiled.build(core)


def test_without_a_c_compiler_the_build_says_so_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _never_compile(monkeypatch)
    monkeypatch.setattr(compiled.sysconfig, "get_config_var", lambda name: "no-such-cc -pthread")
    with pytest.raises(FileNotFoundError, match="no C compiler: no-such-cc"):
        compiled.build(tmp_path / "core")
