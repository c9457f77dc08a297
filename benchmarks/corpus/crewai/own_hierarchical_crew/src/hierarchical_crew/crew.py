from crewai import Agent, Crew, Process, Task
from crewai.project import CrewBase, agent, crew, task


@CrewBase
class ArticleCrew:
    @agent
    def researcher(self) -> Agent:
        return Agent(config=self.agents_config["researcher"])

    @agent
    def writer(self) -> Agent:
        return Agent(config=self.agents_config["writer"])

    @task
    def collect_facts(self) -> Task:
        return Task(config=self.tasks_config["collect_facts"])

    @task
    def write_article(self) -> Task:
        return Task(config=self.tasks_config["write_article"])

    @crew
    def crew(self) -> Crew:
        return Crew(agents=self.agents, tasks=self.tasks, process=Process.hierarchical,
                    manager_llm="gpt-4o")
