#!/usr/bin/env python3
"""100 sequential DynamoDB GetItem calls through slipway's client against the same through
the `aws` CLI in a loop, both against one moto_server on 127.0.0.1; reports the per-call
time of each. Target: slipway's client under 2 ms per call, reusing one connection.
"""
import argparse
import os
import subprocess
import time

import benchlib


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=100)
    a = ap.parse_args()
    with benchlib.moto_workdir("slipway-getitem-bench-", plain=True) as (_, env, _log):
        aws = ["aws", "dynamodb"]
        subprocess.run(aws + ["create-table", "--table-name", "bench", "--billing-mode", "PAY_PER_REQUEST",
                              "--attribute-definitions", "AttributeName=pk,AttributeType=S", "AttributeName=sk,AttributeType=S",
                              "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(aws + ["put-item", "--table-name", "bench", "--item",
                              '{"pk":{"S":"bench"},"sk":{"S":"item"},"v":{"S":"hello"}}'], env=env, check=True)
        bench = os.path.join(benchlib.ROOT, "build", "bench", "getitem_bench")
        ours = float(subprocess.run([bench, "bench", str(a.calls)], env=env, check=True, capture_output=True,
                                    text=True).stdout)
        key = '{"pk":{"S":"bench"},"sk":{"S":"item"}}'
        start = time.perf_counter()
        for _ in range(a.calls):
            subprocess.run(aws + ["get-item", "--table-name", "bench", "--key", key, "--consistent-read"], env=env,
                           check=True, stdout=subprocess.DEVNULL)
        cli = (time.perf_counter() - start) * 1000 / a.calls
    print(benchlib.table([("slipway's client (one connection)", f"{ours:.2f} ms"), ("aws CLI in a loop", f"{cli:.1f} ms")],
                         ["GetItem through", "per call"]))
    print(f"\n{a.calls} sequential calls each against moto_server on 127.0.0.1; the CLI pays its start-up every call.")


if __name__ == "__main__":
    main()
