"""What each format means, as graph facts: the anti-patterns these real workflows carry
are visible in the graph agentlint builds from them."""

from __future__ import annotations

import itertools

from agentlint.graph.build import Graph, build_graph
from agentlint.sources import load_any
from agentlint.spec.model import Workflow
from tests.test_adapters import ADK, CREWAI, DIFY, PROMPTFLOW


def _load(path) -> tuple[Workflow, Graph]:
    wf = load_any(str(path))
    assert wf is not None
    return wf, build_graph(wf)


def _reaches(g: Graph, a: int, b: int) -> bool:
    """Does data flow from step ``a`` to step ``b`` (directly or through others)?"""
    todo, seen = [b], set()
    while todo:
        v = todo.pop()
        for p in g.data_preds[v]:
            if p == a:
                return True
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return False


# -- promptflow ---------------------------------------------------------------------------------

EVAL = PROMPTFLOW / "microsoft__promptflow/examples/flows/evaluation/eval-single-turn-metrics"
EVALUATORS = ["grounding", "answer_quality", "answer_similarity", "creativity",
              "context_recall", "context_precision", "answer_relevance", "answer_correctness"]


def test_eight_premium_evaluators_read_the_same_inputs_in_parallel() -> None:
    wf, g = _load(EVAL / "flow.dag.yaml")
    assert wf.execution == "dag"
    models = {wf.step(e).model for e in EVALUATORS}
    assert models == {"gpt-4"} and wf.models["gpt-4"].base == "gpt-4"
    inputs = {"question", "answer", "context", "ground_truth"}
    for name in EVALUATORS:
        step = wf.step(name)
        # the activate condition reads validate_input, like an input reference
        assert step.step_refs() == ["validate_input"], f"{name} reads another step's output"
        assert set(step.input_refs()) <= inputs and len(step.input_refs()) >= 2
        assert step.needs == []
        assert len(step.system) > 200  # its template, read from the .jinja2 file
    for a, b in itertools.permutations(EVALUATORS, 2):
        assert not _reaches(g, wf.step_index[a], wf.step_index[b])
    # ... and none waits for another: they are one level of the DAG
    preds = {name: sorted(g.step(p).id for p in g.dep_preds[wf.step_index[name]])
             for name in EVALUATORS}
    assert set(map(tuple, preds.values())) == {("validate_input",)}
    readers = set(wf.step("concat_scores").step_refs())
    assert {"grounding", "creativity", "answer_quality"} <= readers


def test_activate_switch_is_a_router_with_equal_shares() -> None:
    wf, g = _load(PROMPTFLOW / "microsoft__promptflow/examples/flows/standard/"
                  "conditional-flow-for-switch/flow.dag.yaml")
    router = wf.step("class_check")
    assert router.kind == "router" and router.model is None  # a python switch
    assert [(r.step, round(r.share, 6)) for r in router.routes] == [
        ("order_search", 0.333333), ("product_info", 0.333333),
        ("product_recommendation", 0.333333)]
    assert g.weight[wf.step_index["product_info"]] == router.routes[1].share
    assert wf.step("generate_response").kind == "tool"
    classify = wf.step("classify_with_llm")
    assert classify.output_tokens == 128  # max_tokens caps the assumed 256
    assert classify.prompt.strip().endswith("{{inputs.query}}")


def test_default_variant_and_templates_inside_the_flow() -> None:
    flow = PROMPTFLOW / "microsoft__promptflow/examples/flows/standard/web-classification"
    wf, _ = _load(flow / "flow.dag.yaml")
    summarize = wf.step("summarize_text_content")
    assert summarize.system.startswith("Please summarize the following text in one paragraph")
    assert summarize.step_refs() == ["fetch_text_content_from_url"]
    assert summarize.origin == "promptflow llm node (variant variant_0) via open_ai_connection"
    # `model: gpt-3.5-turbo` names the model; the deployment name is then not needed
    assert summarize.model == "gpt-3.5-turbo"
    assert not any("deployment" in key for _, _, key in wf.assumptions)
    classify = wf.step("classify_with_llm")
    assert set(classify.step_refs()) == {"prepare_examples", "summarize_text_content"}


def test_prompt_node_output_is_its_rendered_template() -> None:
    wf, _ = _load(PROMPTFLOW / "Azure-Samples__contoso-chat/contoso-chat/flow.dag.yaml")
    prompt = wf.step("customer_prompt")
    assert prompt.kind == "aggregate" and prompt.model is None
    # the template text plus what it inserts: documentation, customer and history
    assert set(prompt.step_refs()) == {"retrieve_documentation", "customer_lookup"}
    assert prompt.input_refs() == ["chat_history"]
    assert prompt.output_tokens > 1500
    llm = wf.step("llm_response")
    assert llm.step_refs() == ["customer_prompt"] and llm.input_refs() == ["question"]
    assert llm.model == "gpt-35-turbo" and wf.models["gpt-35-turbo"].base == "gpt-3.5-turbo"
    messages = [m for m, _, _ in wf.assumptions]
    assert any(m.startswith("deployment 'gpt-35-turbo' is assumed to serve gpt-3.5-turbo")
               for m in messages)


def test_a_loop_over_the_history_counts_it_once() -> None:
    wf, _ = _load(PROMPTFLOW / "microsoft__promptflow/examples/flows/chat/chat-with-wikipedia/"
                  "flow.dag.yaml")
    extract = wf.step("extract_query_from_question")
    assert sorted(extract.input_refs()) == ["chat_history", "question"]
    assert [r.name for r in extract.refs].count("chat_history") == 1
    assert "{# reads {{ inputs.chat_history }} #}" in extract.prompt
    assert wf.step("augmented_chat").step_refs() == ["process_search_result"]


# -- Dify -------------------------------------------------------------------------------------

def test_router_is_fed_a_rewritten_query() -> None:
    wf, g = _load(DIFY / "svcvit__Awesome-Dify-Workflow/DSL/根据用户的意图进行回复.yml")
    rewriter, classifier = wf.step("1718246807593"), wf.step("1718246909580")
    assert rewriter.input_refs() == ["query"] and rewriter.model == "qwen-vl-plus"
    assert classifier.kind == "router" and classifier.model == "deepseek-chat"
    # the classifier sees only the rewriter's output, never the user's own words
    assert classifier.step_refs() == ["1718246807593"] and classifier.input_refs() == []
    targets = [r.step for r in classifier.routes]
    assert targets == ["1718246916748", "1721623802451"]
    health = wf.step("1718246916748")  # the worker on the first branch
    assert health.step_refs() == ["1718246807593"] and health.input_refs() == []
    assert g.weight[health.index] == 0.5
    assert "1718246909580" in health.needs  # reached through the router's edge
    retrieval = wf.step("1721623802451")
    assert retrieval.kind == "tool" and retrieval.input_refs() == ["query"]


def test_if_else_is_a_free_router_and_branches_rejoin() -> None:
    wf, g = _load(DIFY / "svcvit__Awesome-Dify-Workflow/DSL/translation_workflow.yml")
    branch = wf.step("1721118545228")
    assert branch.kind == "router" and branch.model is None  # decided by code, free
    assert [(r.step, r.share) for r in branch.routes] == [("1721118559807", 0.5),
                                                          ("1721118668192", 0.5)]
    aggregator = wf.step("1721118847307")
    assert aggregator.kind == "aggregate" and aggregator.output_tokens == 256
    assert g.weight[aggregator.index] == 1.0
    improve = wf.step("1721118907775")
    assert set(improve.step_refs()) == {"1721117961155", "1721118847307"}
    # the expert steps wait for the branch only through edges, reading nothing from it
    assert wf.step("1721118559807").needs == ["1721118545228"]


def test_edges_without_reads_show_parallel_work() -> None:
    wf, g = _load(DIFY / "langgenius__dify/api/tests/fixtures/workflow/"
                  "multilingual_parallel_llm_streaming_workflow.yml")
    first, second = wf.step("1754339718571"), wf.step("1754339725656")
    assert first.needs == second.needs == []
    assert not _reaches(g, first.index, second.index)
    assert not _reaches(g, second.index, first.index)
    assert wf.models["gpt-4o"].base == "gpt-4o"  # provider langgenius/openai/openai


def test_iteration_fans_its_children_out() -> None:
    wf, _ = _load(DIFY / "svcvit__Awesome-Dify-Workflow/DSL/dify_course_demo.yml")
    iteration = wf.step("1728217105363")
    assert iteration.kind == "aggregate"
    children = ["1728218846720", "1728218323079", "1728463823248"]
    ids = [s.id for s in wf.steps]
    assert ids.index("1728217105363") < min(ids.index(c) for c in children)
    for child in children:
        step = wf.step(child)
        assert (step.fan_out, step.fan_out_concurrency) == (5, 1)
    assert any(key == "assumption:items:1728217105363" for _, _, key in wf.assumptions)
    wf, _ = _load(DIFY / "svcvit__Awesome-Dify-Workflow/DSL/llm2o1.cn.yml")
    merge = wf.step("1727189088392")  # reads the iteration's output: every item's answer
    assert merge.step_refs() == ["1727189055973"]
    assert merge.output_tokens >= 5 * wf.step("1727189055973").output_tokens


def test_agent_node_without_tools_is_one_call() -> None:
    wf, _ = _load(DIFY / "svcvit__Awesome-Dify-Workflow/DSL/AgentFlow.yml")
    (step,) = wf.steps
    assert step.model == "gpt-4o-mini" and step.calls == 1  # no tools: nothing to loop on
    assert step.input_refs() == ["sys_query"]


# -- CrewAI ---------------------------------------------------------------------------------

DEBATE = CREWAI / "ed-donner__agents/3_crewai/reference/debate/src/debate/config"


def test_independent_tasks_run_in_sequence_with_implicit_context() -> None:
    wf, g = _load(DEBATE / "tasks.yaml")
    assert wf.execution == "sequential"
    propose, oppose, decide = (wf.step(t) for t in ("propose", "oppose", "decide"))
    assert not propose.implicit_context
    # `oppose` says nothing about `propose`, yet CrewAI hands it propose's output
    assert oppose.implicit_context and oppose.step_refs() == ["propose"]
    assert "propose" not in oppose.prompt
    # `decide` reviews "the arguments presented by the debaters": what it gets, it asks for
    assert not decide.implicit_context and decide.step_refs() == ["propose", "oppose"]
    assert oppose.parallel is None and propose.parallel is None
    assert propose.agent == oppose.agent == "debater"
    assert wf.agents["debater"].model == "openai/gpt-5.4-mini"
    assert wf.models["openai/gpt-5.4-mini"].base == "gpt-5.4-mini"
    assert "{{ inputs.motion }}" in wf.agents["debater"].system
    assert g.data_preds[oppose.index] == [propose.index]


def test_async_tasks_form_one_parallel_group() -> None:
    config = CREWAI / ("ed-donner__agents/3_crewai/community_contributions/martinsawojide/"
                       "code_converter/src/code_converter/config")
    wf, g = _load(config / "tasks.yaml")
    generators = ["generation_alpha_task", "generation_beta_task", "generation_gamma_task"]
    assert {wf.step(t).parallel for t in generators} == {"async-1"}
    assert len(g.groups[0]) == 3
    optimize = wf.step("optimization_task")
    assert optimize.parallel is None and not optimize.implicit_context
    assert optimize.step_refs() == generators
    assert "writes outputs/optimized.f90" in (optimize.origin or "")


def test_crew_py_wiring_is_read_without_running_it() -> None:
    config = CREWAI / "own/launch_crew/src/launch_crew/config"
    wf, _ = _load(config / "tasks.yaml")
    assert wf.extra["sources"][-1].endswith("launch_crew/crew.py")
    research, audience = wf.step("market_research"), wf.step("audience_profile")
    assert research.agent == audience.agent == "market_analyst"
    assert wf.agents["market_analyst"].model == "gpt-4o"  # LLM(model=ANALYST_MODEL)
    assert wf.agents["market_analyst"].tools == ["SerperDevTool", "ScrapeWebsiteTool"]
    assert research.calls == 3 and research.parallel == audience.parallel == "async-1"
    assert wf.agents["strategist"].model == "claude-sonnet-4-5"  # the @llm method
    assert wf.agents["copywriter"].model == "gpt-4o-mini"
    strategy = wf.step("launch_strategy")
    assert strategy.step_refs() == ["market_research", "audience_profile"]
    assert not strategy.implicit_context
    ideas = wf.step("campaign_ideas")  # no context: the joined async outputs and the strategy
    assert ideas.implicit_context
    assert ideas.step_refs() == ["market_research", "audience_profile", "launch_strategy"]
    assert wf.step("launch_copy").step_refs() == ["campaign_ideas"]


def test_hierarchical_crew_has_a_manager() -> None:
    wf, _ = _load(CREWAI / "own/hierarchical_crew/src/hierarchical_crew/config/agents.yaml")
    # the manager executes every task: the coworker answers, the manager writes the answer
    assert [s.id for s in wf.steps] == ["collect_facts__coworker", "collect_facts",
                                        "write_article__coworker", "write_article"]
    manager = wf.step("collect_facts")
    assert manager.kind == "orchestrator" and manager.model == "gpt-4o" and manager.calls == 2
    assert manager.step_refs() == ["collect_facts__coworker"]
    assert wf.step("collect_facts__coworker").model == "gpt-4o-mini"
    assert wf.agents == {}


def test_crewai_default_model_is_stated() -> None:
    wf, _ = _load(CREWAI / "crewAIInc__crewAI/lib/cli/src/crewai_cli/templates/crew/config/"
                  "tasks.yaml")
    assert wf.agents["researcher"].model == "gpt-4o-mini"
    messages = [m for m, _, _ in wf.assumptions]
    assert sum("CrewAI's default model" in m for m in messages) == 1
    # "Review the context you got": it asks for the one output it is handed
    assert not wf.step("reporting_task").implicit_context
    assert wf.step("reporting_task").step_refs() == ["research_task"]


# -- Google ADK --------------------------------------------------------------------------------

LOOP = ADK / "zhangp365__adk-python/contributing/samples/multi_agent_loop_config"


def test_loop_agent_and_state_keys() -> None:
    wf, g = _load(LOOP / "root_agent.yaml")
    assert [s.id for s in wf.steps] == ["InitialWriterAgent", "CriticAgent", "RefinerAgent"]
    (loop,) = wf.loops
    assert (loop.id, loop.steps, loop.max_iterations) == (
        "RefinementLoop", ["CriticAgent", "RefinerAgent"], 5)
    assert loop.until == "an agent calls exit_loop" and loop.expected_iterations == 3
    critic, refiner = wf.step("CriticAgent"), wf.step("RefinerAgent")
    # {{current_document}} is the initial writer's output_key; include_contents: none
    assert critic.step_refs() == ["InitialWriterAgent"] and not critic.implicit_context
    assert critic.input_refs() == [] and critic.model == "gemini-2.5-pro"
    assert refiner.implicit_context  # it sees the whole conversation
    assert set(refiner.step_refs()) == {"InitialWriterAgent", "CriticAgent"}
    assert refiner.tools == ["exit_loop"]
    assert g.iterations[refiner.index] == (3.0, 5.0)


def test_agent_tools_are_calls_of_their_parent() -> None:
    root = ADK / "zhangp365__adk-python/contributing/samples/tool_agent_tool_config"
    wf, _ = _load(root / "root_agent.yaml")
    parent = wf.step("research_assistant_agent")
    assert parent.calls == 3  # its own call plus one per AgentTool
    assert parent.step_refs() == ["web_search_agent", "summarizer_agent"]
    assert wf.steps[-1] is parent
    # the model picks the order of its tool calls: none is imposed between them
    assert wf.step("summarizer_agent").needs == wf.step("web_search_agent").needs == []


def test_transfer_router_inherited_model_and_parallel_branches() -> None:
    wf, g = _load(ADK / "own/support_router/root_agent.yaml")
    router = wf.step("support_router")
    assert router.kind == "router"
    assert [r.step for r in router.routes] == ["billing_agent", "research_pipeline"]
    billing = wf.step("billing_agent")
    assert billing.model == "gemini-2.5-flash"  # inherited from the router
    assert billing.input_refs() == ["user_message", "customer_tier"]
    web, docs = wf.step("web_searcher"), wf.step("docs_searcher")
    # both start from the conversation handed over to research_pipeline (a free step)
    assert web.step_refs() == docs.step_refs() == ["research_pipeline"]
    assert wf.step("research_pipeline").output_tokens == 0
    assert not _reaches(g, web.index, docs.index) and not _reaches(g, docs.index, web.index)
    assert g.weight[web.index] == g.weight[docs.index] == 0.5
    summarizer = wf.step("summarizer")
    assert {"web_searcher", "docs_searcher"} <= set(summarizer.step_refs())
    assert summarizer.model == "gemini-2.5-flash" and summarizer.output_tokens == 256
    audit = wf.step("support_agents_audit_trail")
    # a code agent gets the whole session: what came before is data to it
    assert audit.kind == "tool" and audit.step_refs() == ["summarizer"] and audit.needs == []
