"""BMP's side of the sparse benchmark (npm run bench -- sparse).

Builds a BMP index from a CIFF file (bmp.ciff2bmp), loads it (bmp.Searcher), and times
Searcher.search per query for each alpha: one warm-up pass, then one timed pass. Writes one JSON
object to --out (BMP's Rust side prints progress to stdout and stderr, so results go to a file):

  {"build_seconds", "load_seconds", "index_bytes",
   "runs": [{"alpha", "ms": [per query], "ids": [[doc ids, best first] per query],
             "scores": [[quantized scores] per query], "failed": count}]}

Searcher.search takes float query weights and quantizes them itself (the largest to 32, ceiling);
documents carry the 8-bit impacts of the CIFF file. Run single-threaded: RAYON_NUM_THREADS=1.
"""

import argparse
import json
import os
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ciff", required=True)
    parser.add_argument("--index", required=True)
    parser.add_argument("--queries", required=True, help="JSONL of {id, sparse: {term: weight}}")
    parser.add_argument("--out", required=True)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--bsize", type=int, default=32)
    parser.add_argument("--alphas", default="1,0.9")
    parser.add_argument("--beta", type=float, default=1.0)
    args = parser.parse_args()

    import bmp

    started = time.perf_counter()
    bmp.ciff2bmp(ciff_file=args.ciff, output=args.index, bsize=args.bsize, compress_range=False)
    build_seconds = time.perf_counter() - started

    started = time.perf_counter()
    searcher = bmp.Searcher(args.index)
    load_seconds = time.perf_counter() - started

    queries = []
    with open(args.queries, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                queries.append({str(t): float(w) for t, w in json.loads(line)["sparse"].items()})

    def run(query, alpha):
        try:
            return searcher.search(query, args.k, alpha, args.beta)
        except BaseException as error:  # a Rust panic (a query matching no term) surfaces as PanicException
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            return None

    runs = []
    for alpha in (float(a) for a in args.alphas.split(",")):
        for query in queries:
            run(query, alpha)
        ms, ids, scores, failed = [], [], [], 0
        for query in queries:
            t = time.perf_counter_ns()
            result = run(query, alpha)
            ms.append((time.perf_counter_ns() - t) / 1e6)
            if result is None:
                failed += 1
                result = ([], [])
            ids.append(list(result[0]))
            scores.append([float(s) for s in result[1]])
        runs.append({"alpha": alpha, "ms": ms, "ids": ids, "scores": scores, "failed": failed})

    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"build_seconds": build_seconds, "load_seconds": load_seconds, "index_bytes": os.path.getsize(args.index), "runs": runs}, f)


if __name__ == "__main__":
    sys.exit(main())
