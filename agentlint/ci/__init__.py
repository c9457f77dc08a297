"""agentlint in continuous integration: git-aware comparisons, baselines, gates.

- :mod:`agentlint.ci.git`: the few git commands agentlint needs (run as an
  argument list, never through a shell; base versions read from git objects,
  never checked out);
- :mod:`agentlint.ci.diff`: what a change does to each workflow's cost,
  latency, reliability and findings, and the ``--fail-on`` thresholds;
- :mod:`agentlint.ci.baseline`: findings recorded for legacy workflows, matched
  by a place that survives reformatting.
"""
