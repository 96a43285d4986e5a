"""The exercise and its history: coach, screen, sound, storage, review and the command line."""

__version__ = "0.1.0"
