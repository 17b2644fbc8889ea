"""Progressive sign-in delays per user name, address and device: checked and reserved atomically.

Each attempt first *reserves* itself, in one locked transaction, on every key it concerns: the user name
(``user:NAME``, or ``device:ID`` when the browser shows a device cookie that this account was signed in
with before), and the address (``addr:IP``). An attempt whose key is still delayed is refused without
checking the password. A reserved attempt counts as a failure until the password proves right, so
parallel guesses queue behind one another instead of all being checked.

The delay grows with the failures (after a few free ones: 1 s, 2 s, 4 s … up to a ceiling) and is never
a lockout: the person who owns an account signs in from a browser they used before (its device cookie)
without waiting for the delay an outsider caused on the user name. Failures are forgotten an hour after
the last one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select, update

from qala.store.locks import locked
from qala.store.models import LoginThrottle

FORGET_AFTER = timedelta(hours=1)
UNIT = 1.0  # seconds: the first delay; each further failure doubles it


@dataclass(frozen=True)
class Policy:
    free: int  # failures before the first delay
    ceiling: int  # the longest delay, seconds

    def delay(self, failures: int) -> float:
        over = failures - self.free
        return 0.0 if over < 0 else float(min(UNIT * 2**over, self.ceiling))


POLICIES = {
    "user": Policy(free=3, ceiling=300),
    "device": Policy(free=5, ceiling=300),
    "addr": Policy(free=10, ceiling=900),  # an office behind one address: more free attempts
}


class Throttled(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"try again in {retry_after} s")
        self.retry_after = retry_after


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite gives naive UTC datetimes back


def reserve(engine: Engine, keys: list[str]) -> None:
    """Count an attempt on every key, or raise Throttled (nothing counted) while any key is delayed."""
    now = _now()
    with locked(engine, "login-throttle") as conn:
        # forgotten failures leave the table (guessed user names would otherwise pile up)
        conn.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - FORGET_AFTER))
        rows = {r.key: r for r in conn.execute(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))}
        wait = max(
            ((_aware(r.blocked_until) - now).total_seconds() for r in rows.values() if _aware(r.blocked_until) > now),
            default=0.0,
        )
        if wait > 0:
            raise Throttled(max(1, round(wait + 0.5)))
        for key in keys:
            row = rows.get(key)
            failures = 1 if row is None or now - _aware(row.last_failure_at) > FORGET_AFTER else row.failures + 1
            until = now + timedelta(seconds=POLICIES[key.split(":", 1)[0]].delay(failures))
            values = {"failures": failures, "last_failure_at": now, "blocked_until": until}
            if row is None:
                conn.execute(insert(LoginThrottle).values(key=key, **values))
            else:
                conn.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(**values))


def succeeded(conn: Connection, account_keys: list[str], address_key: str) -> None:
    """The password was right: the account's delays end; the address's reserved attempt is taken back."""
    conn.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(account_keys)))
    row = conn.execute(select(LoginThrottle).where(LoginThrottle.key == address_key)).first()
    if row is not None:
        failures = max(row.failures - 1, 0)
        until = _aware(row.last_failure_at) + timedelta(seconds=POLICIES["addr"].delay(failures))
        conn.execute(
            update(LoginThrottle).where(LoginThrottle.key == address_key).values(failures=failures, blocked_until=until)
        )


def forget(conn: Connection, username: str) -> None:
    """A new password was set: the user name's delays end."""
    conn.execute(delete(LoginThrottle).where(LoginThrottle.key == f"user:{username}"))
