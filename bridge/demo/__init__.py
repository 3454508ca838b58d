"""`bridge demo`: the daemon against the sandbox, driven by a scripted day of support work."""
