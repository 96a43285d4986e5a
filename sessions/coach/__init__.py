"""The coach: plan and pacer, the coach state machine and its view-model, overlay, sound,
displays, the frame feed, the live loop and the demo body."""
