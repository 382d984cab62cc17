#!/usr/bin/env python3
"""Mutation fuzzer for mlax-opt and mlax-translate over the lit corpus.

Each mutant is one split of a test/**/*.mlir file with a few random edits
(lines deleted, duplicated or swapped, tokens replaced by tokens seen
elsewhere in the corpus, numbers changed, brackets cut, text truncated),
run through the tools with several pipelines. A crash is a death by signal,
an exit code above 1, a timeout, or MLIR's crash banners ("LLVM ERROR",
"Assertion", "PLEASE submit a bug report"): any input must give output or
diagnostics. Crashing inputs are written to --out (default
build/fuzz-crashes) and the script exits 1; each fixed crash becomes a lit
test under test/Fuzz/.

  python tools/fuzz_mlax_opt.py --seconds 60           # CI smoke run
  python tools/fuzz_mlax_opt.py --mutants 10000 -j 2   # make fuzz
"""

from __future__ import annotations

import argparse
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = pathlib.Path(__file__).resolve().parent.parent
PIPELINES = [
    ["mlax-opt"],
    ["mlax-opt", "--verify-each", "--mlax-expand-transforms"],
    ["mlax-opt", "--mlax-expand-transforms", "--inline", "--symbol-dce", "--canonicalize", "--cse"],
    ["mlax-opt", "--canonicalize", "--mlir-print-op-generic"],
    ["mlax-translate", "--mlax-to-stablehlo"],
]
# Crash banners at the start of a stderr line (diagnostics echo source lines,
# which are indented or start with the file name).
CRASH_MARKERS = re.compile(
    r"^(LLVM ERROR: |PLEASE submit a bug report|Stack dump:|"
    r"==\d+==ERROR: AddressSanitizer|\S+: .*Assertion `.*' failed)|"
    r"^\S+:\d+:\d+: runtime error: ",
    re.M,
)
TOKEN_RE = re.compile(
    r"%[\w#:]+|@\w+|\^\w+|[A-Za-z_][\w.$-]*|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|"
    r"<|>|\(|\)|\[|\]|\{|\}|,|:|=|->|\?"
)
INTERESTING_NUMBERS = [
    "0",
    "1",
    "-1",
    "2",
    "3",
    "7",
    "64",
    "4611686018427387904",
    "9223372036854775807",
    "-9223372036854775808",
    "2147483648",
    "0x7FC00000",
    "1.0e+308",
    "nan",
]


def corpus() -> list[str]:
    texts = []
    for path in sorted((ROOT / "test").rglob("*.mlir")):
        for chunk in path.read_text().split("// -----"):
            lines = [l for l in chunk.splitlines() if not l.lstrip().startswith("// RUN")]
            if any(l.strip() for l in lines):
                texts.append("\n".join(lines) + "\n")
    return texts


def mutate(text: str, rng: random.Random, tokens: list[str]) -> str:
    lines = text.splitlines()
    for _ in range(rng.randint(1, 4)):
        if not lines:
            break
        kind = rng.randrange(9)
        i = rng.randrange(len(lines))
        if kind == 0:
            del lines[i]
        elif kind == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif kind == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind in (3, 4, 5):
            toks = list(TOKEN_RE.finditer(lines[i]))
            if toks:
                m = rng.choice(toks)
                new = (
                    rng.choice(INTERESTING_NUMBERS)
                    if kind == 4 and m.group().lstrip("-").replace(".", "").isdigit()
                    else rng.choice(tokens)
                )
                lines[i] = lines[i][: m.start()] + new + lines[i][m.end() :]
        elif kind == 6:
            line = lines[i]
            if line:
                k = rng.randrange(len(line))
                lines[i] = line[:k] + line[k + 1 :]
        elif kind == 7:
            lines[i] = lines[i] + rng.choice(["}", "{", ")", ">", "^bb1:", " : tensor<f32>"])
        else:
            lines = lines[:i]
    return "\n".join(lines) + "\n"


def run_one(text: str, pipeline: list[str], bindir: pathlib.Path, timeout: float):
    """(crashed, reason) for one input through one pipeline."""
    exe = bindir / pipeline[0]
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        p = subprocess.run(
            [str(exe), path, *pipeline[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            errors="replace",
        )
    except subprocess.TimeoutExpired:
        return True, "timeout"
    finally:
        os.unlink(path)
    err = p.stderr
    if p.returncode < 0 or p.returncode > 1:
        return True, f"exit {p.returncode}: {err[-400:]}"
    m = CRASH_MARKERS.search(err)
    if m:
        return True, f"{m.group(0)}: {err[-400:]}"
    return False, ""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=None, help="stop after this long")
    ap.add_argument("--mutants", type=int, default=None, help="stop after this many mutants")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=20.0, help="per tool run")
    ap.add_argument("--bindir", default=None, help="where mlax-opt/mlax-translate are")
    ap.add_argument("--out", default=str(ROOT / "build" / "fuzz-crashes"))
    args = ap.parse_args(argv)
    if args.seconds is None and args.mutants is None:
        args.seconds = 60.0
    bindir = (
        pathlib.Path(args.bindir)
        if args.bindir
        else pathlib.Path(shutil.which("mlax-opt") or sys.prefix + "/bin/mlax-opt").parent
    )
    seed = args.seed if args.seed is not None else int(time.time())
    texts = corpus()
    code = [re.sub(r"//.*", "", text) for text in texts]  # tokens of the IR, not comments
    tokens = sorted({t for text in code for t in TOKEN_RE.findall(text)})
    out = pathlib.Path(args.out)
    deadline = time.monotonic() + args.seconds if args.seconds else None
    done, crashes = 0, 0

    def job(k: int):
        r = random.Random(seed * 1_000_003 + k)
        text = mutate(r.choice(texts), r, tokens)
        pipeline = r.choice(PIPELINES)
        return text, pipeline, run_one(text, pipeline, bindir, args.timeout)

    with ThreadPoolExecutor(args.jobs) as pool:
        k = 0
        while True:
            if deadline is not None and time.monotonic() > deadline:
                break
            if args.mutants is not None and k >= args.mutants:
                break
            batch = [pool.submit(job, k + i) for i in range(args.jobs * 4)]
            k += len(batch)
            for fut in batch:
                text, pipeline, (crashed, reason) = fut.result()
                done += 1
                if crashed:
                    crashes += 1
                    out.mkdir(parents=True, exist_ok=True)
                    name = out / f"crash-{seed}-{done}.mlir"
                    name.write_text(
                        f"// {' '.join(pipeline)}\n// {reason.splitlines()[0] if reason else ''}\n"
                        + text
                    )
                    print(f"CRASH ({' '.join(pipeline)}): {name}\n{reason}", flush=True)
    print(
        f"fuzz_mlax_opt: seed {seed}, {done} mutants, {crashes} crashes, corpus {len(texts)} inputs"
    )
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
