"""agentlint: static analysis of LLM agent workflows."""

__version__ = "0.1.0"
