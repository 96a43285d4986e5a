"""Make the README's picture of the HTML report: a week of simulated sessions (the simulated
body of pose/simulate.py, analysed by the real MovementAnalyzer and saved by the real recorder,
with pain check-ins), plus a demo and a photo that are listed but not counted, reported by
`rocking review --report` and rendered by headless Chromium (a development tool: Debian's
`chromium` package, not needed by the tool or its tests).

    .venv/bin/python scripts/make_report_screenshot.py [--out docs/report.png] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pose.analysis.analyzer import MovementAnalyzer  # noqa: E402
from pose.simulate import GetIntoPosition, Hold, Plan, Rock, iter_records  # noqa: E402
from sessions.cli.main import main  # noqa: E402
from sessions.history.recorder import SessionRecorder  # noqa: E402
from sessions.history.store import SessionMeta, SessionStore  # noqa: E402

# day, reps, seconds a rep, back share, jitter, pain before, pain after (None: skipped)
WEEK = [
    (1, 6, 4.2, 0.55, 0.10, 5, 4),
    (2, 8, 5.5, 0.60, 0.08, 4, 4),
    (3, 8, 3.0, 0.55, 0.05, 4, 6),     # rushed: quicker than planned, and the pain went up
    (5, 8, 6.5, 0.62, 0.05, 5, 3),
    (6, 10, 7.0, 0.60, 0.04, 3, 2),
    (7, 10, 7.2, 0.60, 0.03, 2, None),
]
TEMPO = (4.0, 3.0)    # the plan: 4 s back on a breath out, 3 s forward


def rock(store: SessionStore, started: float, reps: int, period: float, back_share: float,
         jitter: float, seed: int) -> int:
    """One simulated session analysed and saved as a live session would be."""
    sid = store.start_session(SessionMeta(
        source="camera", source_detail="0", target_reps=10, target_period_s=sum(TEMPO),
        target_back_s=TEMPO[0], target_forward_s=TEMPO[1], started_at=started))
    recorder = SessionRecorder(store, sid)
    analyzer = MovementAnalyzer()
    plan = Plan((GetIntoPosition(), Hold(2.0),
                 Rock(reps, period_s=period, back_share=back_share, jitter=jitter), Hold(1.5)))
    for record, _depth in iter_records(plan, fps=30.0, seed=seed):
        recorder.update(analyzer.update(record))
    last = analyzer.finish()
    if last is not None:
        recorder.add_rep(last)
    recorder.finish("completed")
    return sid


def build(db: Path) -> None:
    first = datetime(2026, 11, 23, 8, 0).timestamp()
    with SessionStore.open(db) as store:
        for k, (day, reps, period, share, jitter, before, after) in enumerate(WEEK):
            sid = rock(store, first + (day - 1) * 86400 + 3600 * (k % 3), reps, period, share,
                       jitter, seed=k)
            store.set_pain(sid, before=before, after=after)
        demo = store.start_session(SessionMeta(source="demo", source_detail="simulated",
                                               started_at=first + 3.4 * 86400))
        store.finish_session(demo, "completed", first + 3.4 * 86400 + 90)
        photo = store.start_session(SessionMeta(source="image", source_detail="kitchen.jpg",
                                                started_at=first + 4.5 * 86400))
        store.finish_session(photo, "completed", first + 4.5 * 86400)


def screenshot(html: Path, png: Path, size: tuple[int, int]) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is needed for the picture (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--no-first-run",
                        "--hide-scrollbars", f"--user-data-dir={profile}",
                        f"--screenshot={png}", f"--window-size={size[0]},{size[1]}",
                        html.as_uri()], check=True, capture_output=True, timeout=120)


def main_() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the database and the report in this folder")
    parser.add_argument("--size", default="1200,1650", help="window width,height in pixels")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db, html = folder / "week.db", folder / "week.html"
        db.unlink(missing_ok=True)
        build(db)
        code = main(["review", "--db", str(db), "--report", str(html)])
        if code != 0:
            return code
        width, height = (int(x) for x in args.size.split(","))
        screenshot(html, args.out.resolve(), (width, height))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_())
