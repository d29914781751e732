#!/usr/bin/env python3
"""Aggregates junction-bench JSON reports into the comparison table of bench/compare.sh.

Reads RESULTS_DIR/raw/<case>.<router>.<rep>.json (written by `junction-bench ... --json`),
takes the median over repetitions of every figure, and writes RESULTS_DIR/summary.md and
RESULTS_DIR/summary.json. Prints the markdown table.

Usage: summarize.py RESULTS_DIR   (writes summary.md and summary.json, prints the table)
       summarize.py RESULTS_DIR --metric CASE ROUTER METRIC   (prints one median, for scripting)
       summarize.py --brief REPORT.json   (one line: the report's headline figure)
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROUTERS = ["junction", "crossbar", "baseline"]

# The baseline server with `--rpc relay` (CALL -> INVOCATION to a callee, YIELD -> RESULT: the 4
# frames per call a router handles), run for the RPC cases only. Shown as two extra columns,
# "NIO relay" and "J/Relay", blank on the other rows; left out if no relay run exists.
RELAY = "relay"
RELAY_CASES = {
    "rpc-ws-json", "rpc-rs-msgpack", "rpc-open-junction10", "rpc-open-junction25", "rpc-open-junction50",
    "rpc-open-crossbar50",
}

# (case, title, [(metric, label, higher_is_better)]) in table order. Metrics are keys of
# `metrics`, or "latency.p50" etc. for latency percentiles (microseconds).
CASES = [
    ("rpc-ws-json", "RPC, WebSocket/JSON, 10 callers x 1 callee, window 10, 128 B", [
        ("calls_per_s", "calls/s", True),
    ]),
    ("rpc-rs-msgpack", "RPC, RawSocket/MessagePack, 10 callers x 1 callee, window 10, 128 B", [
        ("calls_per_s", "calls/s", True),
    ]),
    ("pubsub-1x1", "Pub/sub 1 -> 1, WebSocket/JSON, 128 B", [
        ("deliveries_per_s", "deliveries/s", True),
    ]),
    ("pubsub-1x10", "Pub/sub 1 -> 10, WebSocket/JSON, 128 B", [
        ("deliveries_per_s", "deliveries/s", True),
        ("publishes_per_s", "publishes/s", True),
    ]),
    ("pubsub-1x100", "Pub/sub 1 -> 100, WebSocket/JSON, 128 B", [
        ("deliveries_per_s", "deliveries/s", True),
        ("publishes_per_s", "publishes/s", True),
    ]),
    ("pubsub-1x1000", "Pub/sub 1 -> 1000, WebSocket/JSON, 128 B", [
        ("deliveries_per_s", "deliveries/s", True),
        ("publishes_per_s", "publishes/s", True),
    ]),
    ("connect-ws", "Connect: TCP + WebSocket upgrade + HELLO/WELCOME + GOODBYE, 16 in parallel", [
        ("sessions_per_s", "sessions/s", True),
    ]),
    ("idle-1000", "1 000 idle sessions (WebSocket/JSON)", [
        ("kib_per_session", "KiB/session", False),
    ]),
    ("idle-10000", "10 000 idle sessions (WebSocket/JSON)", [
        ("kib_per_session", "KiB/session", False),
        ("open_sessions_per_s", "sessions opened/s", True),
    ]),
    ("rpc-open-junction10", "RPC open loop at 10% of Junction's max (WebSocket/JSON)", [
        ("calls_per_s", "achieved calls/s", True),
        ("latency.p50", "p50 µs", False),
        ("latency.p99", "p99 µs", False),
        ("latency.p999", "p99.9 µs", False),
    ]),
    ("rpc-open-junction25", "RPC open loop at 25% of Junction's max (WebSocket/JSON)", [
        ("calls_per_s", "achieved calls/s", True),
        ("latency.p50", "p50 µs", False),
        ("latency.p99", "p99 µs", False),
        ("latency.p999", "p99.9 µs", False),
    ]),
    ("rpc-open-junction50", "RPC open loop at 50% of Junction's max (WebSocket/JSON)", [
        ("calls_per_s", "achieved calls/s", True),
        ("latency.p50", "p50 µs", False),
        ("latency.p99", "p99 µs", False),
        ("latency.p999", "p99.9 µs", False),
    ]),
    ("rpc-open-crossbar50", "RPC open loop at 50% of Crossbar's max (WebSocket/JSON)", [
        ("calls_per_s", "achieved calls/s", True),
        ("latency.p50", "p50 µs", False),
        ("latency.p99", "p99 µs", False),
        ("latency.p999", "p99.9 µs", False),
    ]),
]

# Junction with 1 vs 2 event loops, router and generator unpinned.
LOOP_CASES = [
    ("loops-rpc-many", "RPC WebSocket/JSON, 50 callers x 10 callees, window 10", "calls_per_s", "calls/s"),
    ("loops-pubsub-1x1000", "Pub/sub 1 -> 1000, WebSocket/JSON", "deliveries_per_s", "deliveries/s"),
]
LOOP_ROUTERS = ["junction-1loop", "junction-2loops"]


def load(results: Path) -> dict[tuple[str, str], list[dict]]:
    runs: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for path in sorted((results / "raw").glob("*.json")):
        parts = path.name[: -len(".json")].rsplit(".", 2)
        if len(parts) != 3:
            continue
        case, router, _rep = parts
        try:
            runs[(case, router)].append(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError) as error:
            print(f"warning: skipping {path}: {error}", file=sys.stderr)
    return runs


def value(report: dict, metric: str) -> float | None:
    if metric.startswith("latency."):
        latency = report.get("latency_microseconds") or {}
        return latency.get(metric.split(".", 1)[1])
    return (report.get("metrics") or {}).get(metric)


def median(runs: dict, case: str, router: str, metric: str) -> float | None:
    values = [v for v in (value(r, metric) for r in runs.get((case, router), [])) if v is not None]
    return statistics.median(values) if values else None


def fmt(x: float | None) -> str:
    if x is None:
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.2f}"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}"


def integrity(runs: dict, case: str, router: str) -> str:
    """Lost/duplicated/out-of-order events summed over repetitions (pub/sub only)."""
    reports = runs.get((case, router), [])
    if not reports or "lost" not in (reports[0].get("metrics") or {}):
        return ""
    sums = [sum(int((r.get("metrics") or {}).get(k, 0)) for r in reports) for k in ("lost", "duplicated", "out_of_order")]
    return "" if sums == [0, 0, 0] else f" (lost {sums[0]}, dup {sums[1]}, ooo {sums[2]})"


def relay_cells(show: bool, case: str, j: float | None, relay: float | None) -> str:
    """The "NIO relay | J/Relay" cells of a row (with their leading separator), or "" without relay runs."""
    if not show:
        return ""
    if case not in RELAY_CASES:
        return "  |  |"
    return f" {fmt(relay)} | {ratio(j, relay)} |"


def build(results: Path) -> tuple[str, dict]:
    runs = load(results)
    reps = max((len(v) for v in runs.values()), default=0)
    show_relay = any(router == RELAY for (_case, router) in runs)
    relay_head = " NIO relay | J/Relay |" if show_relay else ""
    relay_rule = "---:|---:|" if show_relay else ""
    lines = [
        f"Medians of {reps} run(s). Junction/Crossbar ratio > 1 means Junction is better for throughput, "
        "< 1 is better for latency and memory.",
        "",
        "| Scenario | Metric | Junction | Crossbar | J/C | Baseline | J/Baseline |" + relay_head,
        "|---|---|---:|---:|---:|---:|---:|" + relay_rule,
    ]
    if show_relay:
        lines[1:1] = [
            "",
            "NIO relay: the baseline server with `--rpc relay`, forwarding each CALL to a callee and its YIELD "
            "back (4 frames per call, like a router; the Baseline column answers a CALL at once, 2 frames).",
        ]
    table: dict = {"cases": {}, "loops": {}}
    for case, title, metrics in CASES:
        for metric, label, _higher in metrics:
            j, c, b = (median(runs, case, r, metric) for r in ROUTERS)
            relay = median(runs, case, RELAY, metric) if case in RELAY_CASES else None
            if j is None and c is None and b is None and relay is None:
                continue
            notes = "".join(integrity(runs, case, r) for r in ROUTERS if metric.endswith("deliveries_per_s"))
            lines.append(
                f"| {title} | {label}{notes} | {fmt(j)} | {fmt(c)} | {ratio(j, c)} | {fmt(b)} | {ratio(j, b)} |"
                + relay_cells(show_relay, case, j, relay))
            figures = {"junction": j, "crossbar": c, "baseline": b}
            if relay is not None:
                figures[RELAY] = relay
            table["cases"].setdefault(case, {})[metric] = figures
    efficiency_lines = []
    for case, title, metrics in CASES:
        metric, label, higher = metrics[0]
        if not higher or case.startswith(("idle", "rpc-open")):
            continue
        cells = []
        for router in ROUTERS + [RELAY]:
            reports = runs.get((case, router), [])
            per_cpu = [
                value(r, metric) / (value(r, "router_cpu_pct") / 100)
                for r in reports
                if value(r, metric) is not None and (value(r, "router_cpu_pct") or 0) > 1
            ]
            cells.append(statistics.median(per_cpu) if per_cpu else None)
        if any(cell is not None for cell in cells):
            j, c, b, relay = cells
            efficiency_lines.append(
                f"| {title} | {label} per router CPU-second | {fmt(j)} | {fmt(c)} | {ratio(j, c)} | {fmt(b)} "
                f"| {ratio(j, b)} |" + relay_cells(show_relay, case, j, relay))
    if efficiency_lines:
        lines += [
            "",
            "Throughput per CPU-second of the router (figure / router CPU share over the window): on a shared "
            "machine the router rarely gets its whole core, and this normalizes for that:",
            "",
            "| Scenario | Metric | Junction | Crossbar | J/C | Baseline | J/Baseline |" + relay_head,
            "|---|---|---:|---:|---:|---:|---:|" + relay_rule,
        ] + efficiency_lines
    cpu_lines = []
    for case, title, _metrics in CASES:
        cells = []
        for router in ROUTERS + ([RELAY] if show_relay else []):
            if router == RELAY and case not in RELAY_CASES:
                cells.append("")
                continue
            r_cpu = median(runs, case, router, "router_cpu_pct")
            g_cpu = median(runs, case, router, "generator_cpu_pct")
            cells.append("n/a" if r_cpu is None and g_cpu is None else f"{fmt(r_cpu)} / {fmt(g_cpu)}")
        if any(cell not in ("n/a", "") for cell in cells):
            cpu_lines.append(f"| {title} | " + " | ".join(cells) + " |")
    if cpu_lines:
        lines += [
            "",
            "CPU use over the measurement window, % of one core, router / generator (closed loop: the router "
            "should be near 100 and the generator clearly below, or the generator was the bottleneck):",
            "",
            "| Scenario | Junction | Crossbar | Baseline |" + (" NIO relay |" if show_relay else ""),
            "|---|---:|---:|---:|" + ("---:|" if show_relay else ""),
        ] + cpu_lines
    loop_lines = []
    for case, title, metric, label in LOOP_CASES:
        one, two = (median(runs, case, r, metric) for r in LOOP_ROUTERS)
        if one is None and two is None:
            continue
        loop_lines.append(f"| {title} | {label} | {fmt(one)} | {fmt(two)} | {ratio(two, one)} |")
        table["loops"][case] = {"one_loop": one, "two_loops": two}
    if loop_lines:
        lines += [
            "",
            "Junction, 1 vs 2 event loops (router and generator unpinned, sharing both cores):",
            "",
            "| Scenario | Metric | 1 loop | 2 loops | 2/1 |",
            "|---|---|---:|---:|---:|",
        ] + loop_lines
    machine = next((r[0].get("machine") for r in runs.values() if r), None)
    if machine:
        lines += ["", f"Machine: {machine.get('cpu_model')}, {machine.get('cores')} cores; {machine.get('uname')}"]
    loads = sorted(
        float((r.get("machine") or {}).get("load_average", "0").split()[0] or 0)
        for reports in runs.values() for r in reports)
    if loads:
        lines.append(
            f"1-min load average when reports were written: median {statistics.median(loads):.2f}, max {loads[-1]:.2f} "
            "(the router and the generator account for up to 2.0).")
    table["machine"] = machine
    table["repetitions"] = reps
    return "\n".join(lines) + "\n", table


def brief(path: Path) -> str:
    """One line with the headline figure of a report (progress output of compare.sh)."""
    report = json.loads(path.read_text())
    metric = report["primary_metric"]
    line = f"    {metric} = {report['metrics'][metric]:,.1f}"
    latency = report.get("latency_microseconds")
    if latency:
        line += f"  (p50 {latency['p50']:,.0f} µs, p99 {latency['p99']:,.0f} µs)"
    return line


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--brief":
        print(brief(Path(argv[2])))
        return 0
    if len(argv) >= 2 and "--metric" in argv:
        i = argv.index("--metric")
        case, router, metric = argv[i + 1 : i + 4]
        m = median(load(Path(argv[1])), case, router, metric)
        print("" if m is None else f"{m:.0f}")
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    results = Path(argv[1])
    text, table = build(results)
    (results / "summary.md").write_text(text)
    (results / "summary.json").write_text(json.dumps(table, indent=2, sort_keys=True) + "\n")
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
