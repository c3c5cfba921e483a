#!/usr/bin/env python3
"""pyfactorial.py: make bench's Python reference for `factorial --variant large`: the
seeds' Q7 program as written there (a concurrent.futures.ThreadPoolExecutor of 5
threads, math.factorial of each number, the results gathered with as_completed), over
1..N instead of 1..10 and without its prints; the pool's creation and shutdown are
inside the time, as in Q7's `with` block. Each result is checked against the running
product 1*2*...*n, outside the time. Prints the median over -s SAMPLES (default 9):
    py_factorial_ms=...
    bench/pyfactorial.py [-n N] [-s SAMPLES]"""
import argparse
import math
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed


def factorial(n):
    return math.factorial(n)


def one_run(numbers):
    t0 = time.perf_counter()
    results = {}
    with ThreadPoolExecutor(max_workers=5) as executor:
        futures = {executor.submit(factorial, num): num for num in numbers}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
    return time.perf_counter() - t0, results


def count(text):
    v = int(text)
    if not 1 <= v <= 100000:
        raise argparse.ArgumentTypeError(f"a count from 1 to 100000 (got {v})")
    return v


def main():
    ap = argparse.ArgumentParser(prog="pyfactorial.py")
    ap.add_argument("-n", type=count, default=1000)
    ap.add_argument("-s", type=count, default=9)
    a = ap.parse_args()
    numbers = range(1, a.n + 1)
    times = []
    for _ in range(a.s):
        t, results = one_run(numbers)
        product = 1
        for k in numbers:
            product *= k
            if results.get(k) != product:
                print(f"pyfactorial.py: {k}! is wrong", file=sys.stderr)
                return 1
        times.append(t)
    print(f"py_factorial_ms={statistics.median(times) * 1e3:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
