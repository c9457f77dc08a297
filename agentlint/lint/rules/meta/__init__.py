"""Rules about agentlint itself: suppression comments and assumed values.

These rules do not look at the workflow's design. ``unused-suppression``
keeps ``# agentlint: disable=...`` comments honest (a comment that silences
nothing hides the next real finding), and ``assumed-value`` says which
figures an adapter had to invent because the source format does not state
them, so the estimate is read with the right amount of trust; ``unpriced-model``
warns where a model the catalog does not know was priced as an upper bound.
"""
