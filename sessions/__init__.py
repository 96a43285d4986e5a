"""The exercise and its history: the coach, the session history and the command line."""
