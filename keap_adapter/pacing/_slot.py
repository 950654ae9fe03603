"""A request's place in a limiter's windows."""

from __future__ import annotations

__all__ = ["Slot"]


class Slot:
    """A request's place in the windows, from sending until its answer arrives.

    ``sent_at`` is when the slot was taken (epoch seconds: the limiter's wall clock, or
    Redis's for :class:`~keap_adapter.pacing.RedisLimiter`); ``member`` names it in a shared
    limiter; ``seq`` is its rank among the slots taken from the limiter.
    """

    __slots__ = ("member", "open", "sent_at", "seq")

    def __init__(self, sent_at: float, member: str = "", seq: int = 0) -> None:
        self.sent_at = sent_at
        self.member = member
        self.seq = seq
        self.open = True

    def close(self) -> bool:
        """Mark the slot given back; False if it already was (a second release is ignored)."""
        was, self.open = self.open, False
        return was
