"""Which newly delivered days are unusual, each judged once, and the events waiting to fire.

A day is a candidate once it is in the ledger (complete and validated, :mod:`.day_ledger`), on
or after the meter's ``unusual_from`` (the day after the newest day the first check found: what
came with the set-up or the history import is never named) and at most :data:`NEW_DAYS` old (a
day delivered weeks late, or found after Home Assistant was off for weeks, is not news). It is
judged once enough weeks before it are known; it is recorded as judged and saved before its
events are queued, so no restart names it twice. A value outside its band opens a *step* of its
kind (saved, with its direction and days): further days outside in the same direction are not
named again until a later day is inside its band, so a lasting change (a new freezer, a heat
pump) is named once, whatever order its days come in, and a single odd day closes its step the
day after. The events wait here until the meter's event entity takes them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date

from .api.vienna_time import ONE_DAY
from .day_ledger import DayEntry, entries
from .entry_options import EntryOptions
from .saved_state import SavedStateStore, from_day_ranges, to_day_ranges
from .unusual_days import Finding, Kind, has_references, is_usual, judge_day

_LOGGER = logging.getLogger(__name__)

NEW_DAYS = 7
# Events kept per meter while no entity takes them (it is disabled): the newest.
MAX_QUEUED = 20


class UnusualWatch:
    """Judges each meter's new days once and queues what is unusual for its event entity."""

    def __init__(
        self, saved: SavedStateStore, names: Mapping[str, str], options: EntryOptions
    ) -> None:
        self.saved = saved
        self.names = names
        self.options = options
        self._queued: dict[str, list[Finding]] = {}

    @property
    def kinds(self) -> tuple[Kind, ...]:
        """Consumption always; base load while it is switched on."""
        return (Kind.CONSUMPTION, Kind.BASE_LOAD) if self.options.base_load else (Kind.CONSUMPTION,)

    async def async_check(self, numbers: Iterable[str], today: date) -> list[Finding]:
        """Judge the new days of ``numbers``; save, then queue and return what is unusual."""
        state = self.saved.state
        if not self.options.unusual_days:
            state.unusual_from.clear()  # switched on again, it starts from the days then new
            state.judged.clear()
            state.steps.clear()
            return []
        for number, steps in list(state.steps.items()):
            state.steps[number] = {k: v for k, v in steps.items() if k in self.kinds}
            if not state.steps[number]:
                del state.steps[number]  # kinds no longer judged
        findings: list[Finding] = []
        oldest = today - NEW_DAYS * ONE_DAY
        for number in numbers:
            ledger = entries(state, number)
            if number not in state.unusual_from:
                newest = max(ledger, default=today - 2 * ONE_DAY)
                state.unusual_from[number] = (newest + ONE_DAY).isoformat()
                continue
            first = max(date.fromisoformat(state.unusual_from[number]), oldest)
            judged = {day for day in from_day_ranges(state.judged.get(number, [])) if day >= oldest}
            for day in sorted(ledger):
                if day < first or day in judged or not has_references(ledger, day):
                    continue
                judged.add(day)
                findings.extend(self._judge(number, ledger, day))
            state.judged[number] = to_day_ranges(judged)
        await self.saved.async_save()  # judged before anything fires: never twice
        for finding in findings:
            _LOGGER.info(
                "%s: %s on %s: %s",
                self.names.get(finding.number, finding.number),
                finding.kind.value.replace("_", " "),
                finding.day.isoformat(),
                finding.event_data(),
            )
            queue = self._queued.setdefault(finding.number, [])
            queue.append(finding)
            del queue[:-MAX_QUEUED]
        return findings

    def _judge(self, number: str, ledger: dict[date, DayEntry], day: date) -> list[Finding]:
        """What is unusual about ``day``; a step already open is not named again.

        A step is ``[direction, first day, last day]`` of the days found outside its band. Only a
        usual day after its last day closes it, and a day outside the other way before its last
        day is named without touching it: days that arrive late do not reopen what goes on.
        """
        steps = self.saved.state.steps.setdefault(number, {})
        band = self.options.unusual_band
        iso = day.isoformat()
        found: list[Finding] = []
        for finding in judge_day(number, ledger, day, band, self.kinds):
            step = steps.get(finding.kind)
            if step is not None and step[0] == finding.direction:
                steps[finding.kind] = [step[0], min(step[1], iso), max(step[2], iso)]
                continue
            found.append(finding)
            if step is None or iso > step[2]:
                steps[finding.kind] = [finding.direction, iso, iso]
        for kind in self.kinds:
            step = steps.get(kind)
            if step is not None and iso > step[2] and is_usual(ledger, day, kind, band):
                del steps[kind]
        if not steps:
            del self.saved.state.steps[number]
        return found

    def take(self, number: str) -> list[Finding]:
        """The events of a meter waiting to fire, oldest first; they are its entity's now."""
        return self._queued.pop(number, [])
