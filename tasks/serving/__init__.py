"""The extraction service (``POST /v1/extract``) and the pieces it is built from live here."""
