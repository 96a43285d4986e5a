"""The edges of the pose pipeline: frame sources (OpenCV; a phone over the network), the
MediaPipe estimator, model files, person following and native-output capture."""
