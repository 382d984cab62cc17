"""tools/fuzz_mlax_opt.py tells crashes from diagnostics (so that its CI run
can fail), and its mutants parse or fail cleanly."""

import importlib.util
import pathlib
import random
import stat

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("fuzz_mlax_opt", ROOT / "tools" / "fuzz_mlax_opt.py")
fuzz = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fuzz)


def _tool(tmp_path, body: str):
    exe = tmp_path / "mlax-opt"
    exe.write_text("#!/bin/sh\n" + body + "\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return tmp_path


def test_detects_signal(tmp_path):
    crashed, reason = fuzz.run_one("x", ["mlax-opt"], _tool(tmp_path, "kill -ABRT $$"), 10)
    assert crashed and "exit" in reason


def test_detects_crash_banner(tmp_path):
    body = "echo 'LLVM ERROR: operation destroyed but still has uses' >&2; exit 1"
    assert fuzz.run_one("x", ["mlax-opt"], _tool(tmp_path, body), 10)[0]


def test_diagnostics_are_not_crashes(tmp_path):
    body = (
        "echo \"f.mlir:1:1: error: expected op\" >&2; echo '  // CHECK-NOT: LLVM ERROR' >&2; exit 1"
    )
    assert not fuzz.run_one("x", ["mlax-opt"], _tool(tmp_path, body), 10)[0]


def test_mutants_differ_and_come_from_the_corpus():
    texts = fuzz.corpus()
    assert len(texts) > 50
    tokens = sorted({t for text in texts for t in fuzz.TOKEN_RE.findall(text)})
    rng = random.Random(0)
    mutants = {fuzz.mutate(texts[0], rng, tokens) for _ in range(20)}
    assert len(mutants) > 10


def test_real_tools_survive_a_few_mutants():
    assert (
        fuzz.main(
            [
                "--mutants",
                "40",
                "--seed",
                "7",
                "-j",
                "2",
                "--out",
                str(ROOT / "build" / "fuzz-crashes-test"),
            ]
        )
        == 0
    )
