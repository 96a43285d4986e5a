"""Files the tool writes: the private-file writer and the video writer."""
