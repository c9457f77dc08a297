"""Structure rules: how steps are wired together.

Unknown references, cycles and duplicate ids stop the loader with an error of
their own; the rules here look at specs that load but are wired wastefully:
outputs nobody reads, steps that can never run, parallel groups that cannot
run in parallel, context a framework hands over without being asked, and
routers whose workers see a rewrite instead of the request.
"""
