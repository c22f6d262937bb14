#!/usr/bin/env python3
"""Turns the benchmarks' JSON into the performance report: a Markdown table of
DESIGN's P1-P5 with the absolute figures beside each ratio, and a plot of
throughput against threads for holdfast, every baseline and the peers.

Method: reads Google Benchmark's --benchmark_out JSON files (sale, sell_out,
memory, peers), takes each benchmark's median over repetitions when there
are several, and uses the "wall_items_per_second" counter (items of all
threads over the run's wall time; see bench/contenders.h for why not
Google Benchmark's items_per_second). Standard library only, plus
matplotlib for the plot (skipped with a note if it is missing).

    python3 bench/report.py --machine results/machine.txt --out results results/*.json
"""

import argparse
import json
import os
import re
import statistics
import sys

NAME = re.compile(r"^(?P<bm>BM_\w+)(?:<(?P<who>\w+)>)?(?P<rest>.*)$")
THREADS = re.compile(r"threads:(\d+)")
SCENARIOS = ["BM_HoldConfirm", "BM_HoldRelease", "BM_HoldExpire", "BM_MultiLineQuota",
             "BM_HotBuyerAtLimit", "BM_CycleOpensMidRun"]
CONTENDERS = ["Holdfast", "StdMutex", "AbslMutex"]
PEERS = ["Redis", "PostgreSQL"]
FLOORS = ["BM_CasDecrement", "BM_FetchAdd"]
THREAD_COUNTS = [1, 2, 8, 64]


def load(paths):
    """Returns {(bm, who, threads): [run dicts]} over every iteration run."""
    runs = {}
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        for b in data.get("benchmarks", []):
            if b.get("run_type") == "aggregate":
                continue
            m = NAME.match(b.get("run_name", b["name"]))
            t = THREADS.search(b["name"])
            key = (m.group("bm"), m.group("who") or "", int(t.group(1)) if t else 1)
            runs.setdefault(key, []).append(b)
    return runs


def median(runs, key, counter):
    values = [r[counter] for r in runs.get(key, []) if counter in r and not r.get("error_occurred")]
    return statistics.median(values) if values else None


def rate(runs, bm, who, threads):
    return median(runs, (bm, who, threads), "wall_items_per_second")


def si(value, unit="/s"):
    if value is None:
        return "n/a"
    for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


def ratio(a, b):
    return a / b if a is not None and b else None


def verdict(value, target, higher_is_better=True):
    if value is None:
        return "not measured"
    ok = value >= target if higher_is_better else value < target
    return "met" if ok else "**missed**"


def fmt_ratio(r):
    return "n/a" if r is None else (f"{r:.3g}x" if r >= 0.1 else f"{r:.3f}x")


def targets_table(runs):
    hf = lambda n: rate(runs, "BM_HoldConfirm", "Holdfast", n)
    mutex = lambda n: rate(runs, "BM_HoldConfirm", "StdMutex", n)
    cas2 = rate(runs, "BM_CasDecrement", "", 2)
    p1 = ratio(hf(2), cas2)
    p2_64, p2_2 = ratio(hf(64), mutex(64)), ratio(hf(2), mutex(2))
    rows = [
        ("P1", "hold+confirm / bare CAS decrement, 2 threads", ">= 0.25", fmt_ratio(p1),
         f"{si(hf(2))} vs {si(cas2)}", verdict(p1, 0.25)),
        ("P2", "hold+confirm / std::mutex baseline, 64 threads", ">= 10", fmt_ratio(p2_64),
         f"{si(hf(64))} vs {si(mutex(64))}", verdict(p2_64, 10)),
        ("P2", "hold+confirm / std::mutex baseline, 2 threads", ">= 3", fmt_ratio(p2_2),
         f"{si(hf(2))} vs {si(mutex(2))}", verdict(p2_2, 3)),
    ]
    for who in CONTENDERS:
        ms = median(runs, ("BM_SellOut", who, 64), "sell_out_ms")
        failed = [r.get("error_message") for r in runs.get(("BM_SellOut", who, 64), [])
                  if r.get("error_occurred")]
        check = f"invariants FAILED: {failed[0]}" if failed else "I1, I3, I6, I10 checked"
        if who == "Holdfast":
            rows.append(("P3", "1M tickets sold out by 64 threads, wall time (median)",
                         "< 100 ms", f"{ms:.1f} ms" if ms else "n/a", check,
                         verdict(ms, 100, higher_is_better=False) if not failed else "**failed**"))
        else:
            rows.append(("P3", f"the same on the {who} baseline", "(for scale)",
                         f"{ms:.1f} ms" if ms else "n/a", check, ""))
    slot = median(runs, ("BM_Memory", "Holdfast", 1), "bytes_per_hold_slot")
    sale = median(runs, ("BM_Memory", "Holdfast", 1), "sale_bytes_1M_tickets")
    small = median(runs, ("BM_Memory", "Holdfast", 1), "sale_bytes_300_tickets")
    rows.append(("P4", "bytes per hold slot (MemoryBytes growth per slot)", "<= 64",
                 f"{slot:.2f} B" if slot else "n/a",
                 f"1M-ticket sale, default bounds: {si(sale, 'B')}; 300-ticket: {si(small, 'B')}",
                 verdict(slot, 64.0, higher_is_better=False) if slot else "not measured"))
    for peer in PEERS:
        for n in (2, 64):
            p = rate(runs, "BM_HoldConfirm", peer, n)
            rows.append(("P5", f"hold+confirm, holdfast / {peer}, {n} threads", "(shown)",
                         fmt_ratio(ratio(hf(n), p)), f"{si(hf(n))} vs {si(p)}", ""))
    out = ["| target | what | goal | measured | absolute | verdict |",
           "| --- | --- | --- | --- | --- | --- |"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


def scenario_table(runs):
    out = ["| scenario (items/s, wall) | threads | holdfast | std::mutex | absl::Mutex |"
           " holdfast / std::mutex |",
           "| --- | --- | --- | --- | --- | --- |"]
    for bm in SCENARIOS:
        for n in THREAD_COUNTS:
            values = [rate(runs, bm, who, n) for who in CONTENDERS]
            out.append(f"| {bm[3:]} | {n} | " + " | ".join(si(v) for v in values) +
                       f" | {fmt_ratio(ratio(values[0], values[1]))} |")
    for bm in FLOORS:
        for n in THREAD_COUNTS:
            out.append(f"| {bm[3:]} (floor) | {n} | {si(rate(runs, bm, '', n))} | | | |")
    for peer in PEERS:
        for n in THREAD_COUNTS:
            out.append(f"| HoldConfirm on {peer} | {n} | {si(rate(runs, 'BM_HoldConfirm', peer, n))}"
                       " | | | |")
    return "\n".join(out)


def plot(runs, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "(no plot: python3-matplotlib is not installed)"
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5), sharex=True)
    styles = {"Holdfast": ("tab:green", "o"), "StdMutex": ("tab:red", "s"),
              "AbslMutex": ("tab:orange", "^"), "Redis": ("tab:purple", "v"),
              "PostgreSQL": ("tab:blue", "D"), "CasDecrement": ("gray", "x"),
              "FetchAdd": ("silver", "+")}
    for ax, bm in zip(axes.flat, SCENARIOS):
        lines = [(who, bm, who) for who in CONTENDERS]
        if bm == "BM_HoldConfirm":
            lines += [(p, bm, p) for p in PEERS] + [(f[3:], f, "") for f in FLOORS]
        for label, name, who in lines:
            points = [(n, rate(runs, name, who, n)) for n in THREAD_COUNTS]
            points = [(n, v) for n, v in points if v]
            if not points:
                continue
            color, marker = styles[label]
            ax.plot([p[0] for p in points], [p[1] for p in points], marker=marker, color=color,
                    label=label)
        ax.set_title(bm[3:])
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(THREAD_COUNTS, [str(n) for n in THREAD_COUNTS])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes[1]:
        ax.set_xlabel("threads")
    for ax in axes[:, 0]:
        ax.set_ylabel("items per second (wall)")
    fig.suptitle("holdfast vs one-lock baselines, peers and the CAS floor")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("json", nargs="+")
    parser.add_argument("--out", required=True, help="directory for report.md and the plot")
    parser.add_argument("--machine", help="a file describing the machine (one line each)")
    args = parser.parse_args()
    runs = load(args.json)
    machine = open(args.machine).read().strip() if args.machine else ""
    note = plot(runs, os.path.join(args.out, "throughput.png"))
    report = ["### Targets (DESIGN §7)", "", targets_table(runs), "",
              "### Every scenario", "", scenario_table(runs), ""]
    if machine:
        report[:0] = ["Machine: " + machine.replace("\n", "; "), ""]
    report.append(note or "![throughput against threads](throughput.png)")
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write("\n".join(report) + "\n")
    print("\n".join(report))


if __name__ == "__main__":
    sys.exit(main())
