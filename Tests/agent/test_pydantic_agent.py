"""A pydantic-ai agent using `sandbox mcp` through MCPServerStdio, with FunctionModel as the LLM."""
import json

from pydantic_ai import Agent
from pydantic_ai.mcp import MCPServerStdio
from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from conftest import BINARY, IMAGE

SCRIPT = """import statistics
data = [2, 4, 4, 4, 5, 5, 7, 9]
print(f"mean={statistics.mean(data)} stdev={statistics.pstdev(data)} median={statistics.median(data)}")
"""


def scripted_model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    """Plays the LLM: write the script, run it, then answer with what it printed."""
    assert {t.name for t in info.function_tools} >= {"write_file", "execute", "read_file"}
    returns = [p for m in messages for p in getattr(m, "parts", []) if isinstance(p, ToolReturnPart)]
    if not returns:
        return ModelResponse(parts=[ToolCallPart("write_file", {"path": "stats.py", "content": SCRIPT})])
    if len(returns) == 1:
        return ModelResponse(parts=[ToolCallPart("execute", {"command": "python stats.py"})])
    return ModelResponse(parts=[TextPart(f"The script printed: {returns[-1].content}")])


def test_agent_writes_and_runs_a_statistics_script(server_env):
    server = MCPServerStdio(BINARY, args=["mcp", "--image", IMAGE], env=server_env, timeout=30)
    agent = Agent(FunctionModel(scripted_model), toolsets=[server])
    result = agent.run_sync("Compute the mean, standard deviation and median of 2 4 4 4 5 5 7 9.")
    returns = [p for m in result.all_messages() for p in getattr(m, "parts", []) if isinstance(p, ToolReturnPart)]
    assert [r.tool_name for r in returns] == ["write_file", "execute"]
    assert "Wrote" in str(returns[0].content)
    executed = str(returns[1].content)
    assert "mean=5 stdev=2.0 median=4.5" in executed, executed
    assert "[exit code: 0]" in executed or "exit_code" in executed
    assert "mean=5" in result.output
