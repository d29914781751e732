#!/usr/bin/env python3
"""Aggregates the junction-bench MQTT reports of bench/compare-mqtt.sh into one table.

Reads RESULTS_DIR/raw/<case>.<broker>.<rep>.json, takes the median over repetitions of every
figure, writes RESULTS_DIR/summary.md and RESULTS_DIR/summary.json, and prints the markdown.

Usage: summarize-mqtt.py RESULTS_DIR
       summarize-mqtt.py RESULTS_DIR --metric CASE BROKER METRIC   (one median, for scripting)
       summarize-mqtt.py --brief REPORT.json                       (one line per report)
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

BROKERS = ["junction", "mosquitto"]

# (case, title, [(metric, label, higher_is_better)]); "latency.p99" etc. are percentiles in µs.
THROUGHPUT = [("deliveries_per_s", "deliveries/s", True), ("latency.p50", "p50 µs", False),
              ("latency.p99", "p99 µs", False)]
CASES = [
    ("mqtt-q0-1x1", "QoS 0, 1 -> 1, 128 B", THROUGHPUT),
    ("mqtt-q0-1x100", "QoS 0, 1 -> 100, 128 B", THROUGHPUT),
    ("mqtt-q1-1x1", "QoS 1, 1 -> 1, 128 B", THROUGHPUT),
    ("mqtt-q1-1x100", "QoS 1, 1 -> 100, 128 B", THROUGHPUT),
    ("mqtt-q1-open50", "QoS 1, 1 -> 1, open loop at 50% of mosquitto's QoS 1 max", [
        ("deliveries_per_s", "deliveries/s", True), ("latency.p50", "p50 µs", False),
        ("latency.p99", "p99 µs", False), ("latency.p999", "p99.9 µs", False)]),
    ("mqtt-connect", "Connect storm: CONNECT/CONNACK/DISCONNECT, 16 in parallel", [
        ("connections_per_s", "connections/s", True), ("latency.p99", "p99 µs", False)]),
    ("mqtt-idle", "Idle MQTT connections", [("kib_per_connection", "KiB/connection (RSS delta / N)", False)]),
]


def load(results: Path) -> dict[tuple[str, str], list[dict]]:
    runs: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for path in sorted((results / "raw").glob("*.json")):
        parts = path.name[: -len(".json")].rsplit(".", 2)
        if len(parts) != 3:
            continue
        try:
            runs[(parts[0], parts[1])].append(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError) as error:
            print(f"warning: skipping {path}: {error}", file=sys.stderr)
    return runs


def value(report: dict, metric: str) -> float | None:
    if metric.startswith("latency."):
        return (report.get("latency_microseconds") or {}).get(metric.split(".", 1)[1])
    return (report.get("metrics") or {}).get(metric)


def median(runs: dict, case: str, broker: str, metric: str) -> float | None:
    values = [v for v in (value(r, metric) for r in runs.get((case, broker), [])) if v is not None]
    return statistics.median(values) if values else None


def fmt(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.2f}"


def ratio(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def integrity(runs: dict, case: str, broker: str) -> str:
    reports = runs.get((case, broker), [])
    if not reports or "lost" not in (reports[0].get("metrics") or {}):
        return ""
    keys = ("lost", "duplicated", "out_of_order")
    sums = [sum(int((r.get("metrics") or {}).get(k, 0)) for r in reports) for k in keys]
    return "" if sums == [0, 0, 0] else f" ({broker}: lost {sums[0]}, dup {sums[1]}, ooo {sums[2]})"


def build(results: Path) -> tuple[str, dict]:
    runs = load(results)
    reps = max((len(v) for v in runs.values()), default=0)
    lines = [
        f"Medians of {reps} run(s). J/M = Junction / mosquitto: above 1 is better for throughput, "
        "below 1 is better for latency and memory.",
        "",
        "| Scenario | Metric | Junction | mosquitto | J/M |",
        "|---|---|---:|---:|---:|",
    ]
    table: dict = {}
    for case, title, metrics in CASES:
        for metric, label, _higher in metrics:
            j, m = (median(runs, case, b, metric) for b in BROKERS)
            if j is None and m is None:
                continue
            notes = "".join(integrity(runs, case, b) for b in BROKERS) if metric == "deliveries_per_s" else ""
            lines.append(f"| {title} | {label}{notes} | {fmt(j)} | {fmt(m)} | {ratio(j, m)} |")
            table.setdefault(case, {})[metric] = {"junction": j, "mosquitto": m}
    return "\n".join(lines) + "\n", table


def brief(path: Path) -> str:
    r = json.loads(path.read_text())
    primary = r.get("primary_metric")
    figure = (r.get("metrics") or {}).get(primary)
    latency = r.get("latency_microseconds") or {}
    tail = f"  p50 {fmt(latency.get('p50'))} µs  p99 {fmt(latency.get('p99'))} µs" if latency else ""
    return f"    {r.get('scenario')} [{r.get('label')}]: {primary} = {fmt(figure)}{tail}"


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--brief":
        print(brief(Path(argv[2])))
        return 0
    if len(argv) == 6 and argv[2] == "--metric":
        m = median(load(Path(argv[1])), argv[3], argv[4], argv[5])
        print("" if m is None else f"{m:.0f}")
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    results = Path(argv[1])
    text, table = build(results)
    environment = results / "environment.txt"
    header = environment.read_text() if environment.exists() else ""
    (results / "summary.md").write_text("```\n" + header + "```\n\n" + text)
    (results / "summary.json").write_text(json.dumps(table, indent=2, sort_keys=True) + "\n")
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
