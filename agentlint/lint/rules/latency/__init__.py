"""Latency rules: what makes a run take longer than its work needs.

All figures come from the estimate (``ctx.estimate``): expected step times
weighted by route shares, loop rounds and fan-out waves, and the critical
path of the execution graph. Every check is one pass over the steps, the
groups or the critical path.
"""
