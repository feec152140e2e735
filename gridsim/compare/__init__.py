"""Comparing algorithms over many seeds (``python main.py compare`` and the Compare tab).

``stats`` (IQM and stratified-bootstrap confidence intervals), ``runs`` (the run folders and
their streamed curves), ``summary`` (compare.csv, summary.md), ``figure`` (compare.png with
matplotlib), ``pool`` (the runs on a local process pool or on Ray). Nothing here imports
torch or pygame: the runs themselves train in child processes.
"""
