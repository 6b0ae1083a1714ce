"""Benchmarks a reviewer can reproduce with ``make bench``; figures go to bench/results/."""
