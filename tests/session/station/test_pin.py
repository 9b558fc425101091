import json

import pytest

from session.runtime.clock import SimulatedClock
from session.station.pin import PinFormatError, PinGuard, hash_pin, parse_hash, verify_pin

FAST = {"n": 2**10, "r": 8, "p": 1}  # cheap cost so the unit tests stay fast


def test_hash_is_salted_scrypt_and_verifies_only_the_right_pin():
    a, b = hash_pin("482913", **FAST), hash_pin("482913", **FAST)
    assert a.startswith("scrypt$1024$8$1$") and a != b  # random salt
    assert "482913" not in a
    assert verify_pin("482913", a) and verify_pin("482913", b)
    assert not verify_pin("482914", a)


@pytest.mark.parametrize("bad", ["12", "12ab", "1234567890123", ""])
def test_pin_text_must_be_4_to_12_digits(bad):
    with pytest.raises(PinFormatError):
        hash_pin(bad, **FAST)


@pytest.mark.parametrize("bad", ["1234", "scrypt$16$8$1$AAAA$AAAA", "scrypt$x$8$1$a$b"])
def test_a_plain_or_weak_stored_value_is_rejected(bad):
    with pytest.raises(PinFormatError):
        parse_hash(bad)


def test_too_many_wrong_tries_lock_the_pin_even_across_a_restart(tmp_path):
    clock = SimulatedClock(1000.0)
    stored = hash_pin("2468", **FAST)
    state = tmp_path / "pin-state.json"
    g = PinGuard(stored, state, max_tries=3, lockout_s=60, clock=clock)
    assert g.attempt("0000").tries_left == 2
    assert g.attempt("0001").tries_left == 1
    r = g.attempt("0002")
    assert not r.ok and r.locked_for_s == 60 and "Too many" in r.message
    # The right PIN does not open a locked guard, nor a new guard reading the same state.
    assert not g.attempt("2468").ok
    g2 = PinGuard(stored, state, max_tries=3, lockout_s=60, clock=clock)
    assert g2.locked_for() == 60
    assert not g2.attempt("2468").ok
    clock.advance(61)
    assert g2.attempt("2468").ok
    assert json.loads(state.read_text()) == {"wrong": 0, "locked_until": 0.0}


def test_a_right_pin_resets_the_wrong_count(tmp_path):
    stored = hash_pin("2468", **FAST)
    g = PinGuard(stored, tmp_path / "s.json", max_tries=3, lockout_s=60, clock=lambda: 0.0)
    g.attempt("1111")
    g.attempt("1112")
    assert g.attempt("2468").ok
    assert g.attempt("1113").tries_left == 2


def test_a_damaged_state_file_does_not_lock_the_station(tmp_path):
    state = tmp_path / "s.json"
    state.write_text("{torn")
    g = PinGuard(hash_pin("2468", **FAST), state, clock=lambda: 0.0)
    assert g.locked_for() == 0 and g.attempt("2468").ok
