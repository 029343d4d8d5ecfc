"""Launch gates: HTTP probes shared by the smoke tests and the launch readiness check (``scripts/``)."""
