"""Ctrl-C noted and raised at safe points only (sessions.interrupts), with real SIGINTs sent to
this process."""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading

import pytest

from sessions.interrupts import deferred_interrupts


def ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_is_raised_at_check_not_where_it_arrives() -> None:
    reached = False
    with pytest.raises(KeyboardInterrupt), deferred_interrupts() as pending:
        pending.check()                 # nothing yet
        ctrl_c()
        reached = True                  # the signal did not raise here...
        assert pending.pressed
        pending.check()                 # ...but here
        pytest.fail("check() did not raise")
    assert reached
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_after_the_last_check_is_raised_on_leaving() -> None:
    with pytest.raises(KeyboardInterrupt), deferred_interrupts():
        ctrl_c()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_inside_a_finalizer_is_not_lost() -> None:
    """Python prints an exception raised in ``__del__`` and drops it (MediaPipe's Image frees its
    memory there): without deferring, a Ctrl-C landing there would be ignored."""

    class SendsCtrlCWhenFreed:
        def __del__(self) -> None:
            ctrl_c()
            for _ in range(1000):       # bytecode for the pending signal to run in
                pass

    with pytest.raises(KeyboardInterrupt), deferred_interrupts() as pending:
        SendsCtrlCWhenFreed()
        gc.collect()
        pending.check()
    # and without it, the same Ctrl-C is lost (what the run saw): printed, not raised
    lost: list[BaseException | None] = []
    hook = sys.unraisablehook
    sys.unraisablehook = lambda info: lost.append(info.exc_value)
    try:
        SendsCtrlCWhenFreed()
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert len(lost) == 1 and isinstance(lost[0], KeyboardInterrupt)


def test_nothing_changes_where_ctrl_c_is_not_pythons_interrupt() -> None:
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)   # as under `nohup` or `cmd &`
    try:
        with deferred_interrupts() as pending:
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            ctrl_c()
            pending.check()
    finally:
        signal.signal(signal.SIGINT, before)

    seen: list[bool] = []

    def off_main() -> None:
        with deferred_interrupts() as pending:
            seen.append(signal.getsignal(signal.SIGINT) is signal.default_int_handler)
            pending.check()

    thread = threading.Thread(target=off_main)
    thread.start()
    thread.join()
    assert seen == [True]


def test_a_ctrl_c_raised_and_handled_is_not_raised_again() -> None:
    with deferred_interrupts() as pending:
        ctrl_c()
        with pytest.raises(KeyboardInterrupt):
            pending.check()
        pending.check()                 # handled (a session ended on it): once only
    # leaving raises nothing either


def test_without_late_a_ctrl_c_after_the_last_check_is_dropped() -> None:
    with deferred_interrupts(late=False) as pending:
        ctrl_c()
        assert pending.pressed
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
