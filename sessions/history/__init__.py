"""The session history: the store, the recorder, the review, plots, the HTML report."""
