"""Review summaries, trends, dates and the HTML report, in process."""

from __future__ import annotations

import re
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

import pytest

from pose.events import MovementWarning, Rep, WarningKind
from sessions.history.html_report import range_report, session_report
from sessions.history.review import compare, parse_when, session_page, summaries
from sessions.history.store import SessionMeta, SessionStore

NOW = datetime(2026, 11, 25, 15, 30).timestamp()


@pytest.mark.parametrize(("text", "expected", "raises"), [
    ("2026-11-01", datetime(2026, 11, 1).timestamp(), nullcontext()),
    ("2026-11-01T08:30", datetime(2026, 11, 1, 8, 30).timestamp(), nullcontext()),
    ("today", datetime(2026, 11, 25).timestamp(), nullcontext()),
    ("yesterday", datetime(2026, 11, 24).timestamp(), nullcontext()),
    ("7d", NOW - 7 * 86400, nullcontext()),
    ("2w", NOW - 14 * 86400, nullcontext()),
    ("12h", NOW - 12 * 3600, nullcontext()),
    ("last tuesday", None, pytest.raises(ValueError, match="cannot read the date")),
    ("", None, pytest.raises(ValueError)),
])
def test_parse_when(text: str, expected: float | None, raises: nullcontext[None]) -> None:
    with raises:
        assert parse_when(text, now=NOW) == pytest.approx(expected)


def rep(i: int, period: float, partial: bool = False, forceful: bool = False) -> Rep:
    return Rep(i, 10.0 * i, 10.0 * i + period, period, period / 2, period / 2, 0.8, 0.5, 0.1,
               forceful, partial)


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    s = SessionStore.open(tmp_path / "s.db")
    plans = [(7.0, [7.0, 8.0, 9.0, 1.5]), (None, [6.0]), (7.0, [])]
    for k, (target, periods) in enumerate(plans):
        sid = s.start_session(SessionMeta(source="video", target_period_s=target,
                                          started_at=1000.0 * (k + 1)))
        reps = [rep(i, p, forceful=p < 2) for i, p in enumerate(periods)]
        s.append(sid, reps=[*reps, rep(9, 2.0, partial=True)],
                 warnings=[MovementWarning(1.0, WarningKind.JERKY, "<b>smooth</b> & slow")])
        s.finish_session(sid, "completed", 1000.0 * (k + 1) + 60)
    return s


def test_summaries(store: SessionStore) -> None:
    rows = {s.id: s for s in summaries(store)}
    one = rows[1]
    assert (one.rep_count, one.partial_count, one.forceful_count) == (4, 1, 1)
    assert one.median_period_s == pytest.approx(7.5)
    assert one.on_tempo_share == pytest.approx(0.75)  # 7, 8, 9 within 75-160 % of 7; 1.5 not
    assert one.duration_s == pytest.approx(60.0)     # no series: end - start
    assert rows[2].on_tempo_share is None             # no tempo planned
    assert rows[3].rep_count == 0 and rows[3].median_period_s is None
    assert [s.id for s in summaries(store, oldest_first=True)] == [1, 2, 3]
    store.close()


def test_trends_against_earlier_sessions(store: SessionStore) -> None:
    page = session_page(store, 2)
    assert page is not None
    trends = {t.name: t for t in page.trends}
    assert trends["reps"].value == 1 and trends["reps"].before == 4
    assert trends["reps"].change == -3 and trends["reps"].n_before == 1
    assert trends["warnings per rep"].value == 1.0
    assert trends["warnings per rep"].before == pytest.approx(0.25)
    first = session_page(store, 1)
    assert first is not None and all(t.before is None and t.n_before == 0 for t in first.trends)
    assert session_page(store, 99) is None
    # compare() is plain: no earlier sessions, no "before"
    assert all(t.change is None for t in compare(first.summary, []))
    store.close()


def test_html_escapes_and_stays_offline(store: SessionStore) -> None:
    page = session_page(store, 1)
    assert page is not None
    html = session_report(page, None)
    assert "&lt;b&gt;smooth&lt;/b&gt; &amp; slow" in html and "<b>smooth" not in html
    assert not re.search(r"https?://|<script|<link", html, re.I)
    assert html.count("<tr") == 2 + 6 + 2  # header + rows: 1 session, 5 reps, 1 warning
    wide = range_report(summaries(store), None, "All")
    assert wide.count("<tr") == 1 + 3
    store.close()


def test_position_lost_counts_only_once_rocking(tmp_path: Path) -> None:
    from pose.events import Verdict
    from sessions.history.store import PostureEvent, Sample

    with SessionStore.open(tmp_path / "s.db") as store:
        sid = store.start_session(SessionMeta(source="camera"))
        store.append(sid, samples=[Sample(0.0, None, None, "setting_up", "limb_lifted"),
                                   Sample(1.0, 0.0, 0.0, "calibrating", "on_all_fours"),
                                   Sample(2.0, 0.1, 0.2, "back", "on_all_fours")],
                     posture=[PostureEvent(0.0, Verdict.LIMB_LIFTED),   # getting into position
                              PostureEvent(0.5, Verdict.ON_ALL_FOURS),
                              PostureEvent(3.0, Verdict.NOT_ON_ALL_FOURS)])
        page = session_page(store, sid)
    assert page is not None and page.rocking_from_s == 2.0
    assert [p.t_s for p in page.posture_faults] == [3.0]


def test_posture_details_say_what_the_person_was_told(tmp_path: Path) -> None:
    """The saved message; for an event saved without one, the table's words for its faults (not
    the faults' code names)."""
    from pose.events import Fault, Verdict
    from pose.messages import FAULTS
    from sessions.history.review import posture_detail
    from sessions.history.store import PostureEvent, Sample

    lifted = PostureEvent(0.0, Verdict.LIMB_LIFTED, {Fault.HAND_LIFTED: True})
    assert posture_detail(lifted) == FAULTS[Fault.HAND_LIFTED].report
    assert posture_detail(PostureEvent(0.0, Verdict.LIMB_LIFTED, {}, "as said")) == "as said"
    with SessionStore.open(tmp_path / "s.db") as store:
        sid = store.start_session(SessionMeta(source="camera"))
        store.append(sid, samples=[Sample(1.0, 0.0, 0.0, "calibrating", "on_all_fours")],
                     posture=[PostureEvent(0.5, Verdict.ON_ALL_FOURS),
                              PostureEvent(3.0, Verdict.NOT_ON_ALL_FOURS,
                                           {Fault.KNEES_NOT_DOWN: True})])
        page = session_page(store, sid)
    assert page is not None
    html = session_report(page, None)
    assert FAULTS[Fault.KNEES_NOT_DOWN].report in html and "knees_not_down" not in html
