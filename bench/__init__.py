"""Benchmarks: throughput/latency/CPU/memory as ratios against a baseline measured in the same run."""
