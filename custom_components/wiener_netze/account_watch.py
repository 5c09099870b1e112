"""What the account's meter list and single failing meters say: meters added, gone or locked.

The meter list is read once a week, with the token of a day's first requests, and daily while
a selected meter is unavailable (so it is back as soon as it is listed again). A smart meter
on the account that the entry does not read is *new*: a repair issue offers to add it. A
selected meter the list no longer has is *gone* (moved out, contract ended) once a request for
it alone confirms it (404): a list can come back short or empty while the meters are all there.
One whose requests fail alone with 403 is *locked* (this application may not read it), and is
tried again the next day: it stays unavailable (its issue stays) until a request for it is
answered. Either is *unavailable*: it leaves the bulk requests, its entities
become unavailable, and a repair issue offers to remove its device (its statistics stay). The
others go on as before. Any sequence of listed, locked and gone is a valid one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from enum import StrEnum

from homeassistant.core import HomeAssistant

from .api import Meter, NotFoundError, ResultType, WienerNetzeClient, WienerNetzeError
from .api.vienna_time import ONE_DAY
from .issues import update_account_issues

_LOGGER = logging.getLogger(__name__)

# How often the account's meter list is read while every selected meter is readable.
LIST_INTERVAL = timedelta(days=7)


class Unavailable(StrEnum):
    """Why a selected meter is not read."""

    GONE = "gone"
    LOCKED = "locked"


class AccountWatch:
    """The selected meters that can be read, and the account's meters that are not selected."""

    def __init__(self, hass: HomeAssistant, entry_id: str, selected: Iterable[str]) -> None:
        self.hass = hass
        self.entry_id = entry_id
        self.selected = tuple(selected)
        self.unavailable: dict[str, Unavailable] = {}
        self.new: dict[str, Meter] = {}
        # The meters on the account's list when it was last read, and on which day.
        self.listed: set[str] = set()
        self.listed_on: date | None = None
        # The day each locked meter was last refused: tried again on a later day.
        self._locked_on: dict[str, date] = {}
        # Meters named in the log as unavailable, until they are read again: named once.
        self._named: set[str] = set()
        # Locked meters requests may name again today (still unavailable until read).
        self._retry: set[str] = set()

    def list_due(self, today: date) -> bool:
        """Whether the meter list is read today: weekly, or daily while a meter is unavailable."""
        if self.listed_on is None:
            return True
        interval = ONE_DAY if self.unavailable else LIST_INTERVAL
        return today - self.listed_on >= interval

    def readable(self) -> tuple[str, ...]:
        """The selected meters that requests may name (a locked one again on a later day)."""
        return tuple(
            number
            for number in self.selected
            if number not in self.unavailable or number in self._retry
        )

    async def async_read(
        self, client: WienerNetzeClient, today: date, known: Iterable[str]
    ) -> dict[str, Meter]:
        """Read the account's meter list; returns the selected meters' master data.

        A selected meter the list lacks is looked up alone: gone only when that says 404.
        """
        listed = list(await client.async_get_meters(ResultType.ALL))
        looked_up: list[Meter] = []
        gone: set[str] = set()
        for number in set(self.selected) - {meter.number for meter in listed}:
            try:
                looked_up.append(await client.async_get_meter(number))
            except NotFoundError:
                gone.add(number)
            except WienerNetzeError as err:
                _LOGGER.debug("Looking up meter %s failed: %s", number, err)
        return self.note_list(listed, today, known, gone, looked_up=looked_up)

    def note_list(
        self,
        meters: Iterable[Meter],
        today: date,
        known: Iterable[str],
        gone: Iterable[str] = (),
        *,
        looked_up: Iterable[Meter] = (),
    ) -> dict[str, Meter]:
        """The account's meters of ``today``; returns the selected meters' master data.

        ``known``: the meters listed before (a smart meter not among them and not selected is
        new); ``gone``: selected meters confirmed gone; ``looked_up``: selected meters the list
        lacked that answered on their own. A selected meter neither listed nor confirmed gone
        keeps its state. A meter locked before today is tried again.
        """
        self.listed, self.listed_on = {meter.number for meter in meters}, today
        listed = {meter.number: meter for meter in [*meters, *looked_up]}
        known = set(known)
        for number in set(gone) & set(self.selected):
            self.note_gone(number)
        for number in self.selected:
            if number not in listed:
                continue
            if self.unavailable.get(number) is Unavailable.GONE:
                _LOGGER.info("Meter %s is listed on the account again", number)
                self._set(number, None)
            elif self._locked_on.get(number, today) < today:
                self._retry.add(number)  # try again; a 403 locks it again
        self.new = {
            number: meter
            for number, meter in listed.items()
            if meter.is_smart_meter and number not in self.selected and number not in known
        }
        return {number: listed[number] for number in self.selected if number in listed}

    def note_locked(self, number: str, today: date) -> None:
        """Requests naming this meter are refused (403) while the others' are answered."""
        if number not in self._named:
            _LOGGER.warning("Meter %s can no longer be read (access denied)", number)
        self._named.add(number)
        self._set(number, Unavailable.LOCKED, today)

    def note_gone(self, number: str) -> None:
        """Requests naming this meter answer 404 while the others' are answered."""
        if number not in self._named:
            _LOGGER.warning("Meter %s is no longer on the account (not found)", number)
        self._named.add(number)
        self._set(number, Unavailable.GONE)

    def note_read(self, numbers: Iterable[str]) -> bool:
        """These meters were read: available again, and a new failure is named again.

        True when one of them was unavailable (its repair issue is then out of date).
        """
        back = False
        for number in numbers:
            self._named.discard(number)
            if number in self.unavailable:
                _LOGGER.info("Meter %s can be read again", number)
                self._set(number, None)
                back = True
        return back

    def _set(self, number: str, reason: Unavailable | None, today: date | None = None) -> None:
        """The one place a meter's state changes, so its lock day and retry agree with it."""
        self._locked_on.pop(number, None)
        self._retry.discard(number)
        if reason is None:
            self.unavailable.pop(number, None)
            return
        self.unavailable[number] = reason
        if reason is Unavailable.LOCKED and today is not None:
            self._locked_on[number] = today

    def update_issues(self, names: Mapping[str, str]) -> None:
        """One issue per new meter and per unavailable meter; the others cleared."""
        update_account_issues(self.hass, self.entry_id, self.new, self.unavailable, names)
