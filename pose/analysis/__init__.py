"""Pure movement analysis (numpy only): filters, geometry, posture, rocking depth, reps,
warnings and the per-frame analyser. No OpenCV, MediaPipe, SQLite, clock or files."""
