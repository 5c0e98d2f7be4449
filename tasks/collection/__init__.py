"""The ``collect`` stage: raw claim documents from a folder or an S3 prefix, checked, into the
synth layout (images/, labels/, boxes/, meta/), with bad input quarantined and a manifest that
makes re-runs incremental.

Modules: ``layout`` (keys to documents), ``sources`` (folder and S3), ``checks`` (per-document
checks), ``manifest`` (what was collected, and what to fetch again), ``stage`` (``collect``).
"""
