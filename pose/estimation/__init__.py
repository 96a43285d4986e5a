"""The edges of the pose pipeline: frame sources (OpenCV), the MediaPipe estimator, model
files, person following and native-output capture."""
