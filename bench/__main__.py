"""`make bench` / `python -m bench [all|decoders|writer|recorder] [--quick]`: run the benchmarks and print their tables;
figures also go to bench/results/<name>.json."""
from __future__ import annotations

import argparse

from bench import decoders, recorder_vs_baseline, writer_throughput


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="all", choices=["all", "decoders", "writer", "recorder"])
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke run)")
    args = parser.parse_args()
    if args.scenario in ("all", "decoders"):
        decoders.main(["--repeat", "3" if args.quick else "5"])
    if args.scenario in ("all", "writer"):
        for dialect in ("session", "seed"):  # session: with the official SDK 0.7.0 as the peer
            writer_throughput.run(imu=20_000 if args.quick else 100_000, images=30 if args.quick else 150,
                                  dialect=dialect)
    if args.scenario in ("all", "recorder"):
        for dialect in ("session", "seed"):  # the same scenarios into each dialect's layout
            recorder_vs_baseline.main(["--duration", "5" if args.quick else "10", "--dialect", dialect])


if __name__ == "__main__":
    main()
