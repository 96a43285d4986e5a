"""Posture faults are an enum in the code and the same names as ever in what is saved: the JSON
report and the session database keep them as text, and old sessions must still read."""

from __future__ import annotations

import json

from pose.analysis.analyzer import summarize
from pose.analysis.posture import classify, judge
from pose.events import Fault, FrameAnalysis, Phase
from pose.simulate import Hold, Plan, simulate

#: The names saved since the first version (and the two added later): a contract, never renamed.
SAVED_NAMES = ["out_of_view", "wrong_view", "torso_not_level", "hands_not_down",
               "knees_not_down", "hand_lifted", "knee_lifted", "hands_not_under_shoulders",
               "knees_not_under_hips", "hips_ahead_of_knees", "camera_too_high"]


def test_a_photos_report_names_every_fault_as_before() -> None:
    record = simulate(Plan((Hold(1.0),)), seed=0).records[0]
    result = classify(record)
    assert all(isinstance(k, Fault) for k in result.faults)
    frame = FrameAnalysis(record.t_s, result, Phase.SETTING_UP, False)
    report = json.loads(json.dumps(summarize([frame])))
    assert list(report["posture"]["faults"]) == SAVED_NAMES
    assert json.loads(json.dumps(judge(None).faults)) == {"no_person": True}
    assert {f.value for f in Fault} == {*SAVED_NAMES, "no_person"}

