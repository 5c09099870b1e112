"""The probe, end to end against the simulator: shapes of every answer, and nothing else."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest

from custom_components.wiener_netze.api.cli import EXIT_API_ERROR, EXIT_OK, main
from custom_components.wiener_netze.api.responses import Reply
from custom_components.wiener_netze.api.shapes import CODE_KEYS, reply_shape, text_shape
from simulator.account import HOUSEHOLD
from simulator.server import SimulatorThread
from tests.support import API_KEY, CLIENT_ID, NOW, SECRET

LAST_DAY = NOW.date() - timedelta(days=1)

# What a shape's leaves may say: types and formats, never a value.
LEAF = re.compile(
    r"^(integer|number|boolean|null|empty string|empty body|number as text|"
    r"time [9T:.+Z -]+|text [^0-8]*)$"
)


KEY = re.compile(r"^((?!.*\d{4})[A-Za-z_][A-Za-z0-9_-]*( \(in \d+\))?|<[^0-8]*>|list of)$")


def probe(thread: SimulatorThread, fmt: str = "json") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            *("--api-url", thread.running.api_url, "--token-url", thread.running.token_url),
            *("--client-id", CLIENT_ID, "--client-secret", SECRET, "--api-key", API_KEY),
            *("--attempts", "1"),
            *("probe", "--format", fmt, "--until", str(LAST_DAY)),
        ],
        out=out,
        err=err,
    )
    return code, out.getvalue(), err.getvalue()


def private_texts(thread: SimulatorThread) -> set[str]:
    """Everything the probe must not print: secrets, issued tokens, meter numbers, the master
    data's names, addresses and device numbers (values: see :func:`assert_shapes_only`)."""
    simulator = thread.simulator
    texts = {SECRET, API_KEY, *simulator.tokens}
    for spec in simulator.meters.values():
        texts.add(spec.number)
        texts.update(_values(spec.master_data()))
    # Short numbers (a house number, say) would match byte counts; they identify nothing.
    return {text for text in texts if len(text) >= 5 or (len(text) >= 3 and not text.isdigit())}


def _values(data: Any, key: str = "") -> list[str]:
    """The master data's values, without the codes the probe lists on purpose."""
    if isinstance(data, dict):
        return [text for name, value in data.items() for text in _values(value, name)]
    if isinstance(data, list):
        return [text for value in data for text in _values(value, key)]
    return [] if key in CODE_KEYS or not isinstance(data, str) else [data]


def leaves(shape: Any) -> list[str]:
    if isinstance(shape, dict):
        return [leaf for key, value in shape.items() if key != "list of" for leaf in leaves(value)]
    if isinstance(shape, list):
        return [leaf for value in shape if not isinstance(value, int) for leaf in leaves(value)]
    return [shape]


def keys(shape: Any) -> list[str]:
    if isinstance(shape, dict):
        return [*shape, *(key for value in shape.values() for key in keys(value))]
    if isinstance(shape, list):
        return [key for value in shape for key in keys(value)]
    return []


def assert_shapes_only(thread: SimulatorThread, out: str) -> None:
    for text in private_texts(thread):
        assert text not in out, f"{text!r} is in the probe's output"
    report = json.loads(out)
    for reply in report["replies"]:
        for leaf in leaves(reply["body"]):
            assert LEAF.match(leaf), f"{reply['request']}: {leaf!r} is not a shape"
        for key in keys(reply["body"]):
            # A field name (with "(in n)": how many items have it), or a key's shape.
            assert KEY.match(key), f"{reply['request']}: key {key!r}"
    # Outcomes, messages and problems name kinds and fields, never a number or a value.
    texts = [step["outcome"] for step in report["steps"]]
    texts += [str(reply[part]) for reply in report["replies"] for part in ("message", "problem")]
    for text in texts:
        allowed = re.sub(r"\[\d+\]|^\d+ values left out$| at [1-5]\d\d$", "", text)
        assert not re.search(r"[0-8]", allowed), text


def test_every_endpoint_once_shapes_only(sim_thread: SimulatorThread) -> None:
    """A normal account: nine steps, every answer accepted, codes and formats listed."""
    code, out, err = probe(sim_thread)
    assert (code, err) == (EXIT_OK, "")
    report = json.loads(out)
    assert [step["outcome"] for step in report["steps"]] == ["ok"] * 9
    replies = {reply["request"]: reply for reply in report["replies"]}
    assert set(replies) == {
        "POST token",
        "GET /zaehlpunkte",
        "GET /zaehlpunkte/{zaehlpunkt}",
        *(f"GET /zaehlpunkte/messwerte {kind}" for kind in ("QUARTER_HOUR", "DAY", "METER_READ")),
        *(
            f"GET /zaehlpunkte/{{zaehlpunkt}}/messwerte {kind}"
            for kind in ("QUARTER_HOUR", "DAY", "METER_READ")
        ),
    }
    assert all(reply["status"] == 200 and reply["accepted"] for reply in replies.values())
    quarter_hours = replies["GET /zaehlpunkte/messwerte QUARTER_HOUR"]
    assert quarter_hours["codes"]["obisCode"] == ["1-1:1.9.0", "1-1:2.9.0"]
    assert quarter_hours["codes"]["qualitaet"] == ["VAL"]
    assert quarter_hours["headers"]["content-type"].startswith("application/json")
    values = quarter_hours["body"]["items"]["zaehlwerke"]["items"]["messwerte"]["items"]
    assert values["messwert"] == "integer"
    assert values["zeitVon"].startswith("time 9999-99-99T99:99")
    token = replies["POST token"]["body"]
    assert token["access_token"].startswith("text ")
    assert token["expires_in"] == "integer"
    assert_shapes_only(sim_thread, out)


def test_text_report_is_readable_and_private(sim_thread: SimulatorThread) -> None:
    code, out, _ = probe(sim_thread, "text")
    assert code == EXIT_OK
    assert "== GET /zaehlpunkte/messwerte QUARTER_HOUR: 200, accepted" in out
    assert "obisCode: 1-1:1.9.0, 1-1:2.9.0" in out
    for text in private_texts(sim_thread):
        assert text not in out


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"malformed_next": 20}, "MalformedResponseError at body"),
        ({"truncated_next": 20}, "MalformedResponseError at body"),
        ({"bad_value": "empty"}, "values left out"),
        ({"bad_value": "negative"}, "values left out"),
        ({"bad_value": "text"}, "values left out"),
        ({"bad_value": "reversed"}, "values left out"),
        ({"bad_unit_meter": HOUSEHOLD}, "values left out"),
        ({"wrong_unit": "MWH"}, "values left out"),
        ({"other_register": True}, "1-1:3.9.0"),
        ({"token_response": "no_token"}, "MalformedResponseError at access_token"),
        ({"token_response": "bad_expires_in"}, "MalformedResponseError at expires_in"),
        ({"unlinked": True}, "403"),
        ({"server_errors_next": 20}, "503"),
    ],
)
def test_malformed_answers(
    sim_thread: SimulatorThread, settings: dict[str, Any], expected: str
) -> None:
    """Each malformed-answer fault shows up in the report, which still leaks nothing."""
    sim_thread.call(sim_thread.simulator.settings.update, settings)
    if "bad_value" in settings:
        sim_thread.call(setattr, sim_thread.simulator.settings, "bad_value_day", LAST_DAY)
    code, out, err = probe(sim_thread)
    assert err == ""
    report = json.loads(out)
    problems = [str(reply["problem"]) for reply in report["replies"]]
    statuses = [str(reply["status"]) for reply in report["replies"]]
    codes = [code for reply in report["replies"] for code in reply["codes"].get("obisCode", [])]
    assert any(expected in text for text in [*problems, *statuses, *codes]), report
    if expected in ("values left out", "1-1:3.9.0"):
        assert code == EXIT_OK  # the client takes the rest of the answer
    else:
        assert code == EXIT_API_ERROR
    assert_shapes_only(sim_thread, out)


def test_error_messages_lose_numbers_quotes_and_secrets() -> None:
    body = json.dumps(
        {
            "Exception": f"Zaehlpunkt AT0010000000000000001000004392265 unknown, key {SECRET}, "
            "strasse 'Hauptstraße 12' at 1.5 kWh",
            "AT0010000000000000001000004392265": {"2025-01-01": 12},
        }
    )
    reply = Reply(404, body, None, {"Content-Type": "application/json"})
    shape = reply_shape("GET x", reply, redact=_hide)
    assert shape.message == "Zaehlpunkt AT… unknown, key **REDACTED**, strasse '…' at 9 kWh"
    assert shape.body["Exception"].startswith("text Aa A9 a, a **A**")
    assert shape.body["<text A9>"] == {"<time 9999-99-99>": "integer"}


def test_a_shape_never_fails_the_request() -> None:
    """Lists of different shapes (rows as lists, mixed with objects) are described as well."""
    body = json.dumps({"rows": [[1, 2], [3], {"a": 1}, "x", None]})
    shape = reply_shape("GET x", Reply(200, body, None))
    assert shape.body["rows"]["list of"] == 5


def _hide(text: str) -> str:
    return text.replace(SECRET, "**REDACTED**")


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("2025-01-01T00:00:00.000+01:00", "time 9999-99-99T99:99:99.999+99:99"),
        ("2025-01-01", "time 9999-99-99"),
        ("12.5", "number as text"),
        ("Wohnung Mustergasse 1", "text Aa Aa 9"),
        ("", "empty string"),
    ],
)
def test_text_shapes(text: str, shape: str) -> None:
    assert text_shape(text) == shape
