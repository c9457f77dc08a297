"""Reliability rules: what makes runs fail, hang or do things twice.

End-to-end success is the product of the steps' success factors (see
docs/cost-model.md); :func:`agentlint.lint.facts.weakest_steps` is shared with
the budget rule so both say the same thing about where a run fails and what retries would buy.
"""
