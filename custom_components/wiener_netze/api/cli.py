"""Command line: list meters and export readings, against the real API or the simulator.

    python -m custom_components.wiener_netze.api meters
    python -m custom_components.wiener_netze.api readings --from 2025-01-01 --to 2025-01-31 \
        --type QUARTER_HOUR --meter AT00100... --format csv
    python -m custom_components.wiener_netze.api probe --format json

Credentials come from flags or WN_CLIENT_ID, WN_CLIENT_SECRET and WN_API_KEY. Errors are one line
on stderr with a distinct exit code (see ``EXIT_CODES``), never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, NoReturn, TextIO

import aiohttp

from .client import WienerNetzeClient
from .const import DEFAULT_API_URL, DEFAULT_CHUNK_DAYS, DEFAULT_TOKEN_URL
from .errors import (
    ApiConnectionError,
    ApiTimeoutError,
    AuthenticationError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    WienerNetzeError,
)
from .models import Meter, MeterReadings, ResultType, ValueType
from .probe import async_probe, write_report
from .retry import RetryPolicy
from .vienna_time import VIENNA

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_CREDENTIALS = 3
EXIT_FORBIDDEN = 4
EXIT_UNREACHABLE = 5
EXIT_NOT_FOUND = 6
EXIT_SERVER = 7
EXIT_MALFORMED = 8

# Most specific first.
EXIT_CODES: tuple[tuple[type[WienerNetzeError], int], ...] = (
    (AuthenticationError, EXIT_CREDENTIALS),
    (ForbiddenError, EXIT_FORBIDDEN),
    (ApiConnectionError, EXIT_UNREACHABLE),
    (ApiTimeoutError, EXIT_UNREACHABLE),
    (NotFoundError, EXIT_NOT_FOUND),
    (RateLimitedError, EXIT_SERVER),
    (ServerError, EXIT_SERVER),
    (MalformedResponseError, EXIT_MALFORMED),
)


class UsageError(Exception):
    """Bad command line input."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-01-31") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the tests and for --help)."""
    parser = _Parser(
        prog="python -m custom_components.wiener_netze.api",
        description="List meters, export readings and probe the Wiener Netze Smart Meter API.",
    )
    parser.add_argument("--client-id", default=os.environ.get("WN_CLIENT_ID"))
    parser.add_argument("--client-secret", default=os.environ.get("WN_CLIENT_SECRET"))
    parser.add_argument("--api-key", default=os.environ.get("WN_API_KEY"))
    parser.add_argument("--api-url", default=os.environ.get("WN_API_URL", DEFAULT_API_URL))
    parser.add_argument("--token-url", default=os.environ.get("WN_TOKEN_URL", DEFAULT_TOKEN_URL))
    parser.add_argument("--scope", default=None, help="OAuth scope (only if your app has one)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument(
        "--attempts", type=int, default=4, help="tries per request on 408/429/5xx/network errors"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    meters = commands.add_parser("meters", help="list the account's meters")
    meters.add_argument(
        "--smart-only", action="store_true", help="only smart meters (resultType=SMART_METER)"
    )
    meters.add_argument("--format", choices=("table", "csv", "json"), default="table")

    readings = commands.add_parser("readings", help="export readings")
    readings.add_argument("--from", dest="start", type=_date, required=True, metavar="DATE")
    readings.add_argument("--to", dest="end", type=_date, required=True, metavar="DATE")
    readings.add_argument(
        "--type", dest="value_type", choices=[v.value for v in ValueType], required=True
    )
    readings.add_argument(
        "--meter", action="append", default=[], help="meter number (repeatable; default all)"
    )
    readings.add_argument("--chunk-days", type=int, default=DEFAULT_CHUNK_DAYS)
    readings.add_argument("--format", choices=("table", "csv", "json"), default="table")

    probe = commands.add_parser(
        "probe",
        help="call every endpoint once and print the shapes of the answers (no data, no "
        "secrets) to attach to an issue",
    )
    probe.add_argument("--format", choices=("text", "json"), default="text")
    probe.add_argument(
        "--until", type=_date, metavar="DATE", help="last day asked for (default yesterday)"
    )
    return parser


def _meter_rows(meters: list[Meter]) -> list[dict[str, Any]]:
    return [
        {
            "meter": meter.number,
            "name": meter.name or "",
            "kind": "smart meter" if meter.is_smart_meter else "Ferraris (not supported)",
            "granularity": meter.granularity or "",
            "device": (meter.device.device_number or "") if meter.device else "",
            "address": meter.address.one_line if meter.address else "",
        }
        for meter in meters
    ]


def _reading_rows(results: dict[str, MeterReadings]) -> list[dict[str, Any]]:
    return [
        {
            "meter": meter,
            "obis": series.obis.raw,
            "start": reading.start.astimezone(VIENNA).isoformat(),
            "end": reading.end.astimezone(VIENNA).isoformat(),
            "kwh": round(reading.value, 6),
            "quality": reading.quality,
        }
        for meter, readings in results.items()
        for series in readings.series
        for reading in series.readings
    ]


def _write(rows: list[dict[str, Any]], fmt: str, out: TextIO, empty: str) -> None:
    if fmt == "json":
        json.dump(rows, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    if not rows:
        if fmt == "table":
            out.write(f"{empty}\n")
        return
    columns = list(rows[0])
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        out.write(buffer.getvalue())
        return
    widths = {c: max(len(c), *(len(str(row[c])) for row in rows)) for c in columns}
    out.write("  ".join(c.upper().ljust(widths[c]) for c in columns).rstrip() + "\n")
    for row in rows:
        out.write("  ".join(str(row[c]).ljust(widths[c]) for c in columns).rstrip() + "\n")


async def _run(args: argparse.Namespace, out: TextIO) -> int:
    async with aiohttp.ClientSession() as session:
        client = WienerNetzeClient(
            session,
            args.client_id,
            args.client_secret,
            args.api_key,
            api_url=args.api_url,
            token_url=args.token_url,
            scope=args.scope,
            request_timeout=args.timeout,
            retry=RetryPolicy(max_attempts=args.attempts),
            chunk_days=getattr(args, "chunk_days", DEFAULT_CHUNK_DAYS),
        )
        if args.command == "meters":
            result_type = ResultType.SMART_METER if args.smart_only else ResultType.ALL
            meters = await client.async_get_meters(result_type)
            _write(_meter_rows(meters), args.format, out, "no meters on this account")
            return EXIT_OK
        if args.command == "probe":
            last = args.until or datetime.now(VIENNA).date() - timedelta(days=1)
            report = await async_probe(client, last)
            write_report(report, args.format, out)
            return EXIT_OK if report.ok else EXIT_API_ERROR
        results = await client.async_get_readings(
            args.start, args.end, ValueType(args.value_type), args.meter or None
        )
        _write(_reading_rows(results), args.format, out, "no readings in this range")
        return EXIT_OK


def _check(args: argparse.Namespace) -> None:
    for name, env in (
        ("client_id", "WN_CLIENT_ID"),
        ("client_secret", "WN_CLIENT_SECRET"),
        ("api_key", "WN_API_KEY"),
    ):
        if not getattr(args, name):
            raise UsageError(f"missing --{name.replace('_', '-')} (or {env})")
    if args.attempts < 1:
        raise UsageError("--attempts must be at least 1")
    if args.command == "readings":
        if args.end < args.start:
            raise UsageError(f"--to {args.end} is before --from {args.start}")
        if args.chunk_days < 1:
            raise UsageError("--chunk-days must be at least 1")


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; returns the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
        _check(args)
    except UsageError as error:
        err.write(f"error: {error}\n")
        return EXIT_USAGE
    try:
        return asyncio.run(_run(args, out))
    except WienerNetzeError as error:
        err.write(f"error: {error}\n")
        return next((code for kind, code in EXIT_CODES if isinstance(error, kind)), EXIT_API_ERROR)
    except KeyboardInterrupt:
        err.write("error: interrupted\n")
        return 130
