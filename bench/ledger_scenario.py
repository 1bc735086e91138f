#!/usr/bin/env python3
"""The ledger's invariant at length: the seeded random walk of tests/scenario/ledger_scenario.py
(CI runs 200 steps of it) for more steps and several seeds. Prints each walk's seed, steps
and time, and the replay command of any walk that broke the invariant.

usage: python3 bench/ledger_scenario.py [--walks N] [--steps N] [--seed FIRST]
(uses build/cli/slipway, or $SLIPWAY)
"""
import argparse
import os
import random
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--walks", type=int, default=3)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0, help="first seed (default: random)")
    args = p.parse_args()
    slipway = os.environ.get("SLIPWAY", os.path.join(ROOT, "build", "cli", "slipway"))
    first = args.seed or random.SystemRandom().randrange(1, 2**31 - args.walks)
    failed = []
    for seed in range(first, first + args.walks):
        started = time.time()
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "scenario",
                                                         "ledger_scenario.py"),
                            "--slipway", slipway, "--steps", str(args.steps), "--seed", str(seed)],
                           capture_output=True, text=True)
        took = time.time() - started
        last = (r.stdout.strip().splitlines() or ["?"])[-1]
        print(f"seed {seed}: exit {r.returncode} in {took:.0f} s ({args.steps / took:.2f} steps/s): "
              f"{last}", flush=True)
        if r.returncode != 0:
            failed.append(seed)
            print(r.stdout[-4000:])
    print(f"{args.walks - len(failed)} of {args.walks} walks kept the invariant"
          + (f"; failed seeds: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
