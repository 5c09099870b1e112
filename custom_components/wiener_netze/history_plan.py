"""Which days the history import reads, and in which rounds.

Decided per meter and statistic and per day, from what the recorder holds and the saved state,
never from one flag. A day between the history depth and the coordinator's window is *missing*
for a meter when it is not settled and is due (:func:`.day_life.due`: never asked for, or asked
for without the meter being read, after a pause that grows), or when a statistic of the meter
has data before it but the recorder holds no row of it (and it is neither waiting, held nor a
known gap). Days waiting for their data or held back are missing a day after their pause is over
(also in the window's settled days; on that day the coordinator's own requests ask for them),
and at once for a meter whose deliveries resumed or whose days read again brought something.
Nothing before a meter's concluded data start is missing. Missing days are read in rounds of at
most :data:`CHUNK_DAYS` days, newest first, naming only the meters that miss a day in the
round.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from homeassistant.core import HomeAssistant

from .api import Flow
from .api.vienna_time import ONE_DAY, days_between, years_before
from .day_life import due, unsettled, waiting_days
from .entry_options import EntryOptions
from .meter_store import FLOWS
from .saved_state import SavedState, day_key
from .schedule import settled_before, window_start
from .statistic_ids import statistic_id
from .statistics_writer import async_recorded_days

# 89 days, so that with the day before (for the opening register) a request covers 90.
CHUNK_DAYS = 89


@dataclass(frozen=True, slots=True)
class Chunk:
    """One round of requests: the local days ``first``..``last`` of some meters."""

    first: date
    last: date
    days: dict[str, list[date]]


def next_chunk(missing: Mapping[str, Sequence[date]]) -> Chunk | None:
    """The newest round of at most :data:`CHUNK_DAYS` missing days.

    It names only the meters that miss a day in it; None when nothing is missing.
    """
    every = {day for days in missing.values() for day in days}
    if not every:
        return None
    last = max(every)
    first = min(day for day in every if day > last - CHUNK_DAYS * ONE_DAY)
    days = {
        number: in_chunk
        for number, wanted in missing.items()
        if (in_chunk := [day for day in wanted if first <= day <= last])
    }
    return Chunk(first, last, days)


def history_range(today: date, options: EntryOptions) -> tuple[date, date]:
    """The days the history import reads once: from the history depth to the window.

    None when no history is wanted.
    """
    first = years_before(today, options.history_years)
    last = window_start(today, options.correction_days) - ONE_DAY
    return (first, last) if options.history_years > 0 else (first, first - ONE_DAY)


def done_days(state: SavedState, number: str, first: date) -> set[date]:
    """The days of a meter that are final: settled, or before its concluded data start."""
    done = state.settled_days(number)
    if (start := state.data_start.get(number)) is not None:
        done |= set(days_between(first, date.fromisoformat(start) - ONE_DAY))
    return done


async def async_missing(
    hass: HomeAssistant,
    state: SavedState,
    numbers: Iterable[str],
    options: EntryOptions,
    *,
    today: date,
    ask_now: set[str],
) -> dict[str, list[date]]:
    """The days each meter misses today (see the module docstring).

    ``ask_now``: meters whose waiting and held days and days not read are due whatever their
    pause (their deliveries resumed, or they answer again).
    """
    first, last = history_range(today, options)
    # Waiting and held days are asked for again up to the correction window (inside it the
    # coordinator reads every day once a day).
    again_to = settled_before(today, options.correction_days) - ONE_DAY
    result: dict[str, list[date]] = {}
    for number in numbers:
        done = done_days(state, number, first)
        pending = {day: kind for day, kind in unsettled(state, number).items() if day not in done}
        missing = {
            day
            for day in days_between(first, last)
            if day not in done
            and day not in pending
            and (number in ask_now or due(state, number, day, None, today))
        }
        missing |= {
            day
            for day, kind in pending.items()
            if day <= again_to
            and (
                number in ask_now
                # The coordinator's requests ask for them on the day they are due; what those
                # did not reach is asked for here a day later.
                or due(state, number, day, kind, today - ONE_DAY)
            )
        }
        for flow in FLOWS:
            lacking = await _async_lacking_rows(hass, state, (number, flow), first, last)
            missing |= {day for day in lacking if day not in pending and day not in missing}
        result[number] = sorted(missing)
    return result


async def _async_lacking_rows(
    hass: HomeAssistant, state: SavedState, statistic: tuple[str, Flow], first: date, last: date
) -> set[date]:
    """Settled days of one statistic with data before them but no row in the recorder.

    Neither held nor a known gap: they were written once and are no longer there.
    """
    number, flow = statistic
    if first > last:
        return set()
    recorded = await async_recorded_days(hass, statistic_id(number, flow), first, last)
    if recorded:
        state.note_data(number, flow, min(recorded))
    since = state.first_day(number, flow)
    if since is None:
        return set()
    settled = state.settled_days(number)
    return {
        day
        for day in days_between(max(first, since), last)
        if day in settled
        and day not in recorded
        and (key := day_key(number, flow, day)) not in state.held
        and key not in state.gaps
    }


def open_days(state: SavedState, number: str, first: date, last: date) -> tuple[int, int]:
    """A meter's days ``first``..``last`` not read yet, and those waiting for their data."""
    done = done_days(state, number, first)
    pending = unsettled(state, number)
    never = sum(1 for day in days_between(first, last) if day not in done and day not in pending)
    waiting = sum(1 for day in waiting_days(state, number) if first <= day <= last)
    return never, waiting
