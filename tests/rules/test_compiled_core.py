"""The compiled core decides exactly as its Python sources do, and is used only while it matches them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def test_the_compiled_core_makes_the_same_decisions_as_the_sources() -> None:
    if compiled.state() != "compiled":
        reason = f"the compiled core is {compiled.state()} here (bridge core build)"
        if REQUIRE_COMPILED:
            pytest.fail(reason)
        pytest.skip(reason)
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


def test_any_source_of_the_package_changes_the_digest(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "bridge", tmp_path / "bridge", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    before = compiled.sources_digest(tmp_path)
    model = tmp_path / "bridge" / "model.py"  # not compiled, but compiled code is built against its types
    model.write_text(model.read_text() + "\n# edited\n")
    assert compiled.sources_digest(tmp_path) != before


def test_bridge_core_status_says_which_core_decides() -> None:
    """The command reads the sources it is installed from, which may not be this checkout."""
    bridge = Path(sys.executable).with_name("bridge")
    env = {k: v for k, v in os.environ.items() if k != compiled.PURE_ENV}
    here = subprocess.run([str(bridge), "core", "status"], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert here.stdout.strip() in ("compiled", "stale", "not built")
    assert here.stderr == ""  # a stale core is reported by this command and the daemon, not on every start
    off = subprocess.run([str(bridge), "core", "status"], env=env | {compiled.PURE_ENV: "1"}, capture_output=True,
                         text=True, timeout=60, check=True)
    assert off.stdout.strip() == "off"


def test_a_build_leaves_one_whole_build_named_by_its_sources(tmp_path: Path) -> None:
    if compiled.state() != "compiled":
        reason = f"the compiled core is {compiled.state()} here (bridge core build)"
        if REQUIRE_COMPILED:
            pytest.fail(reason)
        pytest.skip(reason)
    core = tmp_path / "core"
    (core / ("0" * 64) / "bridge").mkdir(parents=True)  # an older build
    (core / "SOURCES.sha256").write_text("leftover\n")
    built = compiled.build(core)
    assert [p.name for p in core.iterdir()] == [compiled.sources_digest()] == [built.name]
    assert built.stat().st_mode & 0o777 == 0o755
    library = list((built / compiled.LIBRARY_DIR).iterdir())
    assert len(library) == 1 and "__mypyc" in library[0].name  # alone on sys.path: no package beside it
    shims = sorted(p.relative_to(built).with_suffix("").with_suffix("").as_posix() for p in built.rglob("bridge/**/*.so"))
    assert shims == sorted(m.removesuffix(".py") for m in compiled.MODULES)


def test_a_place_that_cannot_be_written_is_refused_before_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    def compile_anyway(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled although the result could not be kept")

    monkeypatch.setattr(compiled.subprocess, "run", compile_anyway)
    with pytest.raises(OSError):
        compiled.build(Path("/proc/bridge-core"))  # not even root may create it
