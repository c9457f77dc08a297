"""The file names that make a CrewAI crew (a tasks file beside an agents file) and a
Google ADK tree: read by the readers' pre-tests, the folder walks and ``diff`` before any
reader is imported (importing one costs a lint tens of millions of instructions)."""

TASK_NAMES = ("tasks.yaml", "tasks.yml")
AGENT_NAMES = ("agents.yaml", "agents.yml")
ROOT_NAMES = ("root_agent.yaml", "root_agent.yml")
