"""What the account's meter list and single failing meters say: meters added, gone or locked.

The meter list is read once a day, with the token of the day's first requests. A smart meter
on the account that the entry does not read is *new*: a repair issue offers to add it. A
selected meter the list no longer has is *gone* (moved out, contract ended); one whose requests
fail alone with 403 is *locked* (this application may not read it). Either is *unavailable*: it
leaves the bulk requests, its entities become unavailable, and a repair issue offers to remove
its device (its statistics stay). The others go on as before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum

from homeassistant.core import HomeAssistant

from .api import Meter
from .issues import update_account_issues

_LOGGER = logging.getLogger(__name__)


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
        self.listed_on: date | None = None
        self._locked_on: dict[str, date] = {}

    def readable(self) -> tuple[str, ...]:
        """The selected meters that requests may name."""
        return tuple(number for number in self.selected if number not in self.unavailable)

    def note_list(
        self, meters: Iterable[Meter], today: date, known: Iterable[str]
    ) -> dict[str, Meter]:
        """The account's meter list of ``today``; returns the selected meters' master data.

        ``known``: the meters listed before (a smart meter not among them and not selected is
        new). A meter locked yesterday is tried again: access may have been granted since.
        """
        listed = {meter.number: meter for meter in meters}
        known = set(known)
        self.listed_on = today
        for number in self.selected:
            if number not in listed:
                if self.unavailable.get(number) is not Unavailable.GONE:
                    _LOGGER.warning("Meter %s is no longer listed on the account", number)
                self.unavailable[number] = Unavailable.GONE
            elif self.unavailable.get(number) is Unavailable.GONE:
                _LOGGER.info("Meter %s is listed on the account again", number)
                del self.unavailable[number]
            elif self._locked_on.get(number, today) < today:
                del self.unavailable[number]  # try again; a 403 locks it again
                del self._locked_on[number]
        self.new = {
            number: meter
            for number, meter in listed.items()
            if meter.is_smart_meter and number not in self.selected and number not in known
        }
        return {number: listed[number] for number in self.selected if number in listed}

    def note_locked(self, number: str, today: date) -> None:
        """Requests naming this meter are refused (403) while the others' are answered."""
        if number not in self.unavailable:
            _LOGGER.warning("Meter %s can no longer be read (access denied)", number)
        self.unavailable[number] = Unavailable.LOCKED
        self._locked_on[number] = today

    def note_gone(self, number: str) -> None:
        """Requests naming this meter answer 404 while the others' are answered."""
        if number not in self.unavailable:
            _LOGGER.warning("Meter %s is no longer on the account (not found)", number)
        self.unavailable[number] = Unavailable.GONE

    def update_issues(self, names: Mapping[str, str]) -> None:
        """One issue per new meter and per unavailable meter; the others cleared."""
        update_account_issues(self.hass, self.entry_id, self.new, self.unavailable, names)
