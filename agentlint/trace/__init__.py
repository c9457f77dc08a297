"""Reading what a workflow really did: trace exports as :class:`~agentlint.trace.span.Span` records.

The readers turn each export format (OTLP JSON, Langfuse, LangSmith, LiteLLM
spend logs) into the same records, one at a time, so ``agentlint calibrate``
holds no more than one record of a large export in memory; what it makes of
them is :mod:`agentlint.calibrate`'s business.
"""
