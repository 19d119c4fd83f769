"""scikit-learn's KMeans on a CSV of points, for bench/kmeans.ts.

Usage: /usr/bin/python3 kmeans_reference.py POINTS.csv [--k 5] [--n-init 10] [--threads N]

POINTS.csv: a header line, then one point per line as comma-separated numbers. Runs
KMeans(n_clusters=k, n_init=n_init, random_state=0, algorithm="lloyd") -- k-means++ seeding (greedy,
2 + ln k local trials), Lloyd iterations, tol=1e-4 -- and prints one JSON line: inertia, wall and CPU
seconds of fit() alone (reading the CSV is not timed), iterations of the kept run, threads used.
"""

import argparse
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_info, threadpool_limits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("points")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--n-init", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None, help="OpenMP threads (default: all cores)")
    args = parser.parse_args()

    try:
        points = np.loadtxt(args.points, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    except (OSError, ValueError) as error:
        sys.exit(f"kmeans_reference: cannot read {args.points}: {error}")

    model = KMeans(n_clusters=args.k, n_init=args.n_init, random_state=0, algorithm="lloyd")
    with threadpool_limits(limits=args.threads, user_api="openmp"):
        threads = max((p["num_threads"] for p in threadpool_info() if p["user_api"] == "openmp"), default=1)
        start, cpu_start = time.perf_counter(), time.process_time()
        model.fit(points)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start

    print(
        json.dumps(
            {
                "library": f"scikit-learn {sklearn.__version__}",
                "algorithm": "lloyd",
                "init": "k-means++",
                "n": int(points.shape[0]),
                "d": int(points.shape[1]),
                "k": args.k,
                "n_init": args.n_init,
                "threads": threads,
                "inertia": float(model.inertia_),
                "iterations": int(model.n_iter_),
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
            }
        )
    )


if __name__ == "__main__":
    main()
