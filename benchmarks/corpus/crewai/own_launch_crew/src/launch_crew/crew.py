# A crew wired in code: agents, tools, context and async execution live here.
from crewai import LLM, Agent, Crew, Process, Task
from crewai.project import CrewBase, agent, crew, llm, task
from crewai_tools import ScrapeWebsiteTool, SerperDevTool

ANALYST_MODEL = "gpt-4o"


@CrewBase
class LaunchCrew:
    agents_config = "config/agents.yaml"
    tasks_config = "config/tasks.yaml"

    @llm
    def writer_llm(self):
        return LLM(model="claude-sonnet-4-5", temperature=0.7)

    @agent
    def market_analyst(self) -> Agent:
        return Agent(config=self.agents_config["market_analyst"],
                     llm=LLM(model=ANALYST_MODEL),
                     tools=[SerperDevTool(), ScrapeWebsiteTool()], max_iter=4)

    @agent
    def strategist(self) -> Agent:
        return Agent(config=self.agents_config["strategist"])

    @agent
    def copywriter(self) -> Agent:
        return Agent(config=self.agents_config["copywriter"], llm="gpt-4o-mini")

    @task
    def market_research(self) -> Task:
        return Task(config=self.tasks_config["market_research"],
                    agent=self.market_analyst(), async_execution=True)

    @task
    def audience_profile(self) -> Task:
        return Task(config=self.tasks_config["audience_profile"],
                    agent=self.market_analyst(), async_execution=True)

    @task
    def launch_strategy(self) -> Task:
        return Task(config=self.tasks_config["launch_strategy"], agent=self.strategist(),
                    context=[self.market_research(), self.audience_profile()])

    @task
    def campaign_ideas(self) -> Task:
        return Task(config=self.tasks_config["campaign_ideas"], agent=self.strategist())

    @task
    def launch_copy(self) -> Task:
        return Task(config=self.tasks_config["launch_copy"], agent=self.copywriter(),
                    context=[self.campaign_ideas()])

    @crew
    def crew(self) -> Crew:
        return Crew(agents=self.agents, tasks=self.tasks, process=Process.sequential)
