"""`make demo`: a simulated robot recorded by the recorder into the local Mosaico server."""
