"""Budget rule: the estimate against the spec's own ``budgets``.

Budgets are checked against the expected figures of one run (the ones
``agentlint estimate`` prints), never the worst case: a bounded debate may
exceed its cost budget in its worst case by design.
"""
