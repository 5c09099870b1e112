"""``python -m bench.report [--json]``: the benchmark figures as a table, or as one JSON object.

The table is also written to ``docs/benchmarks.md`` with a description of the machine, and the
targets from the issue beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homeassistant.const import __version__ as ha_version

from custom_components.wiener_netze.api.const import DEFAULT_RATE_BURST, DEFAULT_RATE_PER_MINUTE

from .test_bench import OUT

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def machine() -> str:
    """CPU, cores, memory, system and versions, as this machine reports them."""
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = next(
        (
            f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "?",
    )
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory} RAM; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}; Home Assistant {ha_version}"
    )


def public(results: dict[str, Any]) -> dict[str, Any]:
    """The JSON the issue asks for."""
    backfill = results["backfill"]
    return {
        "requests_per_day": {
            count: {key: figures[key] for key in ("ours", "tokens", "baseline")}
            for count, figures in results["requests_per_day"].items()
        },
        "requests_per_day_under_trouble": results["requests_per_day_under_trouble"],
        "backfill": {
            key: backfill[key]
            for key in ("requests", "wall_s", "peak_rss_mb", "rows", "recorder_cpu_s")
        },
        "backfill_without_base_load": results["backfill_without_base_load"],
        "correction": results["correction"],
        "first_day_visible_s": results["first_day_visible_s"],
        "update_cpu_ms": {key: results["update_cpu_ms"][key] for key in ("median", "p95")},
        "setup_s": results["setup_s"],
        "memory_growth_mb": results["memory_growth_mb"],
        "radialight": results["radialight"],
    }


def base_load_rows(backfill: dict[str, Any], without: dict[str, Any]) -> list[str]:
    """What the base load adds to the history import: wall time and CPU, with and without."""
    extra = backfill["wall_s"] / without["wall_s"] - 1
    cpu_with = backfill["recorder_cpu_s"] + backfill["event_loop_cpu_s"]
    cpu_without = without["recorder_cpu_s"] + without["event_loop_cpu_s"]
    cpu_extra = cpu_with / cpu_without - 1
    return [
        f"| … with base load / without: wall time (paced by the rate limit) | "
        f"{backfill['wall_s']} / {without['wall_s']} s ({extra:+.0%}) | ≤ +10 % | "
        f"{mark(extra <= 0.10)} |",
        f"| … with base load / without: CPU of the recorder and the event loop (what the base "
        f"load costs) | {cpu_with:.1f} / {cpu_without:.1f} s ({cpu_extra:+.0%}) | ≤ +10 % | "
        f"{mark(cpu_extra <= 0.10)} |",
        f"| … base-load rows written (a day read by quarter hours each) | "
        f"{backfill['base_load_rows']} | | |",
    ]


def mark(ok: bool) -> str:
    """Whether a figure meets its target."""
    return "met" if ok else "**missed**"


def table(results: dict[str, Any]) -> str:
    """The figures with their targets, as Markdown."""
    lines = [
        "| measurement | figure | target | |",
        "|---|---|---|---|",
    ]
    for count, figures in results["requests_per_day"].items():
        ours, baseline = figures["ours"], figures["baseline"]
        ratio = baseline / ours if ours else float("inf")
        lines.append(
            f"| gateway requests per day, {count} meter(s): ours / seed plan literally (tokens "
            f"apart: {figures['tokens']:g} a day) | {ours:g} / {baseline:g} (1 : {ratio:.0f}) | "
            f"≤ 5 | {mark(ours <= 5)} |"
        )
    lines += trouble_rows(results["requests_per_day_under_trouble"])
    backfill = results["backfill"]
    lines += [
        f"| history import, 3 years of 3 meters: requests | {backfill['requests']} | ≤ 60 | "
        f"{mark(backfill['requests'] <= 60)} |",
        f"| … wall time | {backfill['wall_s']} s | ≤ 1.3 times the recorder's CPU "
        f"({1.3 * backfill['recorder_cpu_s']:.1f} s) | "
        f"{mark(backfill['wall_s'] <= 1.3 * backfill['recorder_cpu_s'])} |",
        f"| … yesterday readable in the statistics after set-up | "
        f"{results['first_day_visible_s']} s | < 10 s | "
        f"{mark(results['first_day_visible_s'] < 10)} |",
        f"| … CPU in the recorder's thread / in the event loop / waiting for the rate limit | "
        f"{backfill['recorder_cpu_s']} / {backfill['event_loop_cpu_s']} / "
        f"{backfill['rate_limit_wait_s']} s | | |",
        f"| … peak memory growth (RSS) | {backfill['peak_rss_mb']} MB | < 100 MB | "
        f"{mark(backfill['peak_rss_mb'] < 100)} |",
        f"| … statistics rows written | {backfill['rows']} ({backfill['rows_per_s']} per s) | | |",
        *base_load_rows(backfill, results["backfill_without_base_load"]),
        f"| a day two years back corrected by Wiener Netze (a spike replaced) and read again as "
        f"`import_history` does (of {results['correction']['rows_in_statistic']} rows): energy "
        f"rows written / hours corrected / seconds / later sums moved | "
        f"{results['correction']['rows']} / {results['correction']['hours_corrected']} / "
        f"{results['correction']['seconds']} s / "
        f"{results['correction']['later_sums_moved_kwh']} kWh | < 50 rows | "
        f"{mark(results['correction']['rows'] < 50)} |",
        f"| steady-state update, CPU time: median / p95 | {results['update_cpu_ms']['median']} / "
        f"{results['update_cpu_ms']['p95']} ms (over {results['update_cpu_ms']['updates']}) | | |",
        f"| time the entry's set-up adds to the start (3-year import pending) | "
        f"{results['setup_s']} s | < 1 s | {mark(results['setup_s'] < 1)} |",
        f"| memory traced over 1000 updates ({results['memory_days']} simulated days): "
        f"Home Assistant and the integration | {results['memory_growth_mb']} MB | noise | "
        f"{mark(abs(results['memory_growth_mb']) < 1)} |",
        f"| … of it in the integration's own modules | "
        f"{results['memory_growth_integration_mb']} MB | | |",
        f"| … not counted: the test harness's mocks and frozen clock | "
        f"{results['memory_growth_harness_mb']} MB | | |",
    ]
    return "\n".join(lines)


def radialight_table(results: dict[str, Any]) -> str:
    """Radialight Cloud's figures, as Markdown."""
    lines = ["| measurement | figure | against | |", "|---|---|---|---|"]
    for zones, figures in sorted(results["requests_per_hour"].items(), key=lambda i: int(i[0])):
        ours, public = figures["ours"], figures["public_integration"]
        lines.append(
            f"| requests per hour, {zones} zone(s), polled every 60 s: ours (`/zones` + "
            f"`/usage`; tokens apart: {figures['tokens']:g}) / the public integration's pattern "
            f"| {figures['zones']:g} + {figures['usage']:g} = {ours:g} / {public:g} "
            f"(1 : {public / ours:.1f}) | fewer | {mark(ours < public)} |"
        )
    cpu = results["update_cpu_ms"]
    lines += [
        f"| update CPU time, 3 zones, a simulated day of polls every 60 s: median / p95 / max "
        f"| {cpu['median']} / {cpu['p95']} / {cpu['max']} ms (over {cpu['updates']}) | | |",
        f"| memory traced over the following {results['memory_days']} simulated days "
        f"({results['memory_days'] * 1440} updates, {results['usage_points_kept']} usage "
        f"points kept): Home Assistant and the integration | {results['memory_growth_mb']} MB "
        f"| noise | {mark(abs(results['memory_growth_mb']) < 1)} |",
        f"| … of it in the integration's own modules | "
        f"{results['memory_growth_integration_mb']} MB | | |",
    ]
    return "\n".join(lines)


TROUBLE = {
    "steady_state": "steady state",
    "one_held_day": "one held day",
    "one_meter_stopped": "one meter whose data stopped",
    "delivery_outage_45_days": "a delivery outage of 45 days",
    "gateway_down_for_a_day": "the gateway down for a day",
}


def trouble_rows(trouble: dict[str, dict[str, Any]]) -> list[str]:
    """Requests under trouble, three meters every 15 minutes: the mean day, the worst day, and
    the day it happens (the outage ends, the gateway is down)."""
    lines = []
    for name, figures in trouble.items():
        worst = figures["most_requests"]
        lines.append(
            f"| under trouble, 3 meters: {TROUBLE[name]}, gateway requests per day (mean / most, "
            f"over {figures['days']} days; tokens {figures['tokens']:g} a day) | "
            f"{figures['requests']:g} / {worst} | ≤ 5 | {mark(worst <= 5)} |"
        )
        if "requests_the_day_it_ends" in figures:
            lines.append(
                f"| … the day the outage ends, and the day after (the backlog is found by a "
                f"day's usual request, the waiting days are then asked for at once): gateway "
                f"requests / tokens | {figures['requests_the_day_it_ends']} / "
                f"{figures['tokens_the_day_it_ends']}, {figures['requests_the_day_after']} / "
                f"{figures['tokens_the_day_after']} | | |"
            )
        if "requests_the_day_it_happens" in figures:
            lines.append(
                f"| … the day it is down: gateway requests / tokens | "
                f"{figures['requests_the_day_it_happens']} / "
                f"{figures['tokens_the_day_it_happens']} | ≤ 5 | "
                f"{mark(figures['requests_the_day_it_happens'] <= 5)} |"
            )
    return lines


def rate_limit_note(backfill: dict[str, Any]) -> str:
    """Why the import takes the time it takes: the rate limit's floor and the recorder."""
    gateway = backfill["requests"] - backfill["token_requests"]
    floor = max(0, gateway - DEFAULT_RATE_BURST) * 60 / DEFAULT_RATE_PER_MINUTE
    return (
        "The import's wall time has two floors. The client's rate "
        f"limit allows a burst of {DEFAULT_RATE_BURST}, then {DEFAULT_RATE_PER_MINUTE:g} gateway "
        f"requests a minute, so {gateway} gateway requests take at least {floor:.0f} s. And Home "
        "Assistant's recorder imports statistics one row at a time, looking each one up before "
        f"inserting it: its thread spent {backfill['recorder_cpu_s']} s of CPU on the "
        f"{backfill['rows']} rows, however few requests brought them."
    )


def write_doc(results: dict[str, Any]) -> None:
    """docs/benchmarks.md: how they were measured, on what, and the table."""
    DOC.write_text(
        "# Benchmarks\n\n"
        "Measured by `scripts/bench` (`bench/test_bench.py` under pytest) against the simulator "
        "with Home Assistant's real recorder, with Python's own clocks (the monotonic clock "
        "through `time.clock_gettime`, `time.process_time`), `/proc/self/status` (VmRSS, "
        "VmHWM after resetting it) and "
        "`tracemalloc`. The history import runs in real time with the production rate limit "
        f"({DEFAULT_RATE_PER_MINUTE:g} requests a minute, bursts of {DEFAULT_RATE_BURST}) and "
        "retries; the request counts and the updates "
        "use a simulated clock. The baseline is the seed plan read literally: every meter's "
        "readings every 15 minutes, each time with a fresh token.\n\n"
        "For the import, the set-up time, the CPU per update and the memory, the simulator runs "
        "in a process of its own (its CPU and memory are not the integration's), it has added up "
        "each meter's register once beforehand (a real gateway answers from a database), and "
        "logging is at Home Assistant's default level, warnings and errors (the test harness "
        "would otherwise log and keep every SQL statement). The request counts run the simulator "
        "in the same process; they count, they do not time.\n\n"
        f"Machine: {machine()}.  \n"
        f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.\n\n"
        + table(results)
        + "\n\n"
        + rate_limit_note(results["backfill"])
        + "\n\n## Radialight Cloud\n\n"
        "Measured by `bench/test_radialight.py`: requests counted against the simulator in the "
        "same process, six simulated hours per account; CPU and memory with the simulator in a "
        "process of its own, Home Assistant's real recorder and logging at its default level. "
        "The public integration's pattern is `/zones`, the account's `/usage` and each zone's "
        "`/usage` on every poll.\n\n" + radialight_table(results["radialight"]) + "\n",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    """Write the document; print the table, or the JSON object."""
    parser = argparse.ArgumentParser(prog="scripts/bench")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    results = json.loads(OUT.read_text())
    write_doc(results)
    if args.json:
        print(json.dumps(public(results), indent=2))
        return 0
    print(f"Machine: {machine()}\n")
    print(table(results))
    print()
    print(radialight_table(results["radialight"]))
    print(f"\n(written to {DOC.relative_to(DOC.parents[1])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
