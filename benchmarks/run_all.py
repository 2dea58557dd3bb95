"""Run every benchmark in this folder and regenerate benchmarks/results/*.md.

    python benchmarks/run_all.py            # all benchmarks, full size
    python benchmarks/run_all.py --quick    # smoke run, writes nothing

The benchmarks are every benchmarks/bench_*.py: auto (what solver='auto' picks on a
grid of shapes; the longest, most of an hour on 2 cores), dask (a LocalCluster, against
dask-ml), dense_l2, glm (Poisson and Gamma against scikit-learn, glum and skglm), linear,
logistic, memory, mlp, normalizers, structured (per-feature weights, positivity, group lasso and
MCP against scikit-learn, skglm and glum; the MLP's input selection) and text. Each takes --quick.

Each benchmark runs in its own process, one after the other, with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its environment (they slow
numpy on this project's machines; tests and CI keep them as they are).
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run every benchmarks/bench_*.py.")
    parser.add_argument("--quick", action="store_true", help="pass --quick to each benchmark")
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        command = [sys.executable, str(script)] + (["--quick"] if args.quick else [])
        if subprocess.run(command, env=env).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
