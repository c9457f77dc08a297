"""Security rules: untrusted text that can steer privileged steps, and secrets.

Text is untrusted when it comes from outside: an input declared
``untrusted: true``, the output of a tool declared ``untrusted: true`` (web
pages, e-mail, user files), the output of a model step whose agent holds such
a tool, and, transitively, the output of any step that read untrusted text.
One topological pass marks every step (:func:`agentlint.lint.facts.tainted_steps`).
"""
