"""Calibration: what a workflow's traces say of its spec's figures.

:mod:`~agentlint.calibrate.mapping` puts each span of a trace on a step of the
spec, :mod:`~agentlint.calibrate.measure` aggregates the figures per step in
bounded memory, :mod:`~agentlint.calibrate.overlay` writes them as a profile
and lays a profile over a native spec, and :mod:`~agentlint.calibrate.provenance`
says of each figure an estimate uses where it came from.
"""
