"""The local server's session dialect (mosaicod 0.7 on the wire, judged by the official SDK 0.7.0)."""
