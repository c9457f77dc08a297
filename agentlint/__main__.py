from agentlint.cli import entry

entry()
