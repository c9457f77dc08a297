"""Cost rules: tokens and dollars spent without need.

Dollar figures are expected values per run from the cost model
(docs/cost-model.md): a step's calls already include its retries, route
share, loop rounds and fan-out copies, so "per run" means what a run costs
on average, the same unit as ``agentlint estimate``.
"""
