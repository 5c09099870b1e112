"""One bulk readings request, and what is left of it when some of its meters or days fail.

A readings request names several meters and a range of days. When Wiener Netze refuses it for a
meter (404: gone, 403: locked), each meter is asked alone, so the meter costs only itself. When
it refuses the range (400) or cannot answer it in time (a timeout, 504), the range is split in
halves down to single days, and a single day that still fails is asked for each meter alone:
it costs that day. More failing days than :data:`FAILING_IN_A_REQUEST`, more requests too slow
to answer than :data:`SLOW_TRIES`, or a week or less too slow to answer mean Wiener Netze, not
the days: the error stands. A meter is *read* on the days of an answer that has it with its
registers; one missing from the answer, or in it without registers (the form of "no data yet"),
was not read, and a meter in an answer that was not asked for is left out. The coordinator's
window reads and the history import both read through here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from .api import (
    ApiTimeoutError,
    BadRequestError,
    DroppedValue,
    ForbiddenError,
    MeterReadings,
    NotFoundError,
    ResultType,
    ServerError,
    ValueType,
    WienerNetzeClient,
    WienerNetzeError,
)
from .api.merge import merge_readings
from .api.retry import is_slow
from .api.vienna_time import ONE_DAY, days_between
from .meter_store import report_dropped

# More single days failing in one request than this, more failed tries in all than the second
# (splitting a range to a day takes about seven), or more tries too slow to answer than the
# third: it is Wiener Netze, not the days.
FAILING_IN_A_REQUEST = 3
FAILED_TRIES = 12
SLOW_TRIES = 3
# A range of at most this many days that is too slow to answer is not too long: it is Wiener
# Netze being slow.
SLOW_RANGE_DAYS = 7

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class BulkAnswer:
    """What a request brought: each meter's readings and the days it was read on."""

    readings: dict[str, MeterReadings] = field(default_factory=dict)
    read: dict[str, set[date]] = field(default_factory=dict)
    # Meters refused on their own: NotFoundError (gone) or ForbiddenError (locked).
    refused: dict[str, WienerNetzeError] = field(default_factory=dict)
    # (meter, day) → why a single day could not be read even alone.
    failed: dict[tuple[str, date], WienerNetzeError] = field(default_factory=dict)
    # Requests that failed in themselves (400, 504, a timeout) on the way.
    tries_failed: int = 0


@dataclass(slots=True)
class _Job:
    """One call of :meth:`BulkReader.async_read`: its value type and what it found so far."""

    value_type: ValueType
    slow: int = 0
    answer: BulkAnswer = field(default_factory=BulkAnswer)
    parts: list[MeterReadings] = field(default_factory=list)


class BulkReader:
    """Reads ranges of days for several meters, each meter and day failing alone."""

    def __init__(self, client: WienerNetzeClient, names: Mapping[str, str]) -> None:
        self.client = client
        self.names = names
        # Meters already named in the log as answering without registers, or unasked, and
        # values already named as unreadable: each loss is named once, whatever the request.
        self._reported: set[str] = set()
        self._dropped: set[tuple[str, DroppedValue]] = set()

    async def async_read(
        self,
        first: date,
        last: date,
        value_type: ValueType,
        meters: Sequence[str],
    ) -> BulkAnswer:
        """The readings of ``meters`` for the local days ``first``..``last``.

        Raises when the request fails as a whole: the network, the server, authentication,
        and every meter refused while the account's meter list is refused too.
        """
        job = _Job(value_type)
        await self._read(first, last, tuple(meters), job)
        answer = job.answer
        answer.readings = {
            number: readings
            for number, readings in merge_readings(job.parts).items()
            if number in answer.read
        }
        if answer.refused and not answer.read and not answer.failed:
            # Every meter refused: the application is, unless the meter list (same token, same
            # key) still answers; then it is the meters.
            await self.client.async_get_meters(ResultType.ALL)
        return answer

    async def _read(self, first: date, last: date, meters: tuple[str, ...], job: _Job) -> None:
        try:
            got = await self.client.async_get_readings(first, last, job.value_type, meters)
        except (NotFoundError, ForbiddenError) as err:
            if len(meters) == 1:
                job.answer.refused[meters[0]] = err
                return
            for number in meters:
                await self._read(first, last, (number,), job)
            return
        except (BadRequestError, ApiTimeoutError, ServerError) as err:
            if not isinstance(err, BadRequestError) and not is_slow(err):
                raise  # the server's trouble, not this range's
            await self._split(first, last, meters, job, err)
            return
        self._note(first, last, meters, got, job)

    async def _split(
        self, first: date, last: date, meters: tuple[str, ...], job: _Job, err: WienerNetzeError
    ) -> None:
        """A range that failed in itself: halves (newer first), then each meter of a day."""
        answer = job.answer
        answer.tries_failed += 1
        slow = is_slow(err)
        job.slow += slow
        short = (last - first).days < SLOW_RANGE_DAYS
        if (slow and short) or answer.tries_failed > FAILED_TRIES or job.slow > SLOW_TRIES:
            raise err
        if first != last:
            _LOGGER.debug("Splitting %s %s..%s in two: %s", job.value_type, first, last, err)
            middle = first + (last - first) // 2
            for half_first, half_last in ((middle + ONE_DAY, last), (first, middle)):
                await self._read(half_first, half_last, meters, job)
        elif len(meters) > 1:
            for number in meters:
                await self._read(first, last, (number,), job)
        else:
            answer.failed[(meters[0], first)] = err
            if len({day for _, day in answer.failed}) > FAILING_IN_A_REQUEST:
                raise err

    def _note(
        self,
        first: date,
        last: date,
        meters: tuple[str, ...],
        got: dict[str, MeterReadings],
        job: _Job,
    ) -> None:
        """Keep what was asked for and came with its registers; name the rest once."""
        for number, readings in got.items():
            if number not in meters:
                self._report(number, "Ignored readings of %s, which were not asked for")
            elif not readings.series:
                self._report(
                    number,
                    "Wiener Netze answered without any register for %s (no data yet); its "
                    "days are asked for again later",
                )
            else:
                job.answer.read.setdefault(number, set()).update(days_between(first, last))
                job.parts.append(readings)
                fresh = [
                    value for value in readings.dropped if (number, value) not in self._dropped
                ]
                self._dropped.update((number, value) for value in fresh)
                report_dropped(self.names.get(number, number), fresh)

    def _report(self, number: str, message: str) -> None:
        if number not in self._reported:
            self._reported.add(number)
            _LOGGER.info(message, self.names.get(number, number))
