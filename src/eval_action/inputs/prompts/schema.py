"""The keys each prompt-file kind accepts, before they are assembled into a `PromptSpec`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from eval_action.model.specs import Gates, Message, ProviderSpec, ScorerSpec, ToolChoice, ToolSpec


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Evals(_Strict):
    dataset: str | None = None
    cases: list[Any] | None = None
    scorers: list[ScorerSpec] = Field(default_factory=list)
    min_pass_rate: float | None = Field(default=None, ge=0, le=100)
    regression_tolerance: float | None = Field(default=None, ge=0, le=1)
    regression_confidence: float | None = Field(default=None, gt=0, lt=1)
    repeats: int | None = Field(default=None, ge=1)
    score_thresholds: dict[str, float] = Field(default_factory=dict)
    gates: Gates = Field(default_factory=Gates)
    threshold: float | None = Field(default=None, ge=0, le=1)  # promptfoo's test-level threshold


class TestSettings(Evals):
    """AgentMark's `test_settings`: our `evals`, plus `props` (one case when there is no dataset) and
    AgentMark's eval names (`evals`, renamed `scores` in newer AgentMark)."""

    __test__ = False  # not a pytest class, despite the name
    props: dict[str, Any] | None = None
    evals: list[str] | None = None
    scores: list[str] | None = None
    experiment_key: str | None = None  # AgentMark's baseline identity; ours is the file path


class Header(_Strict):
    """Front matter of a `.prompt.md`; `.prompt.yaml` adds `messages`."""

    name: str | None = Field(default=None, min_length=1)
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    provider: str | ProviderSpec | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    tools: list[ToolSpec] = Field(default_factory=list)
    tool_choice: ToolChoice | None = None
    evals: Evals | None = None


class NativeFile(Header):
    messages: list[Message] = Field(min_length=1)


class AmToolName(_Strict):
    type: Literal["tool"]
    tool_name: str = Field(min_length=1)


class AmModelConfig(_Strict):
    """AgentMark's `text_config` keys (`object_config` adds the schema)."""

    model_name: str | None = Field(default=None, min_length=1)
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    stop_sequences: list[str] | None = None
    seed: int | None = None
    max_calls: int | None = None  # AgentMark's own tool loop
    max_retries: int | None = None  # AgentMark's own retries
    tool_choice: Literal["auto", "none", "required"] | AmToolName | None = None
    tools: list[str] | dict[str, dict[str, Any]] | None = None  # names; older AgentMark: name → definition


class AmObjectConfig(AmModelConfig):
    schema_: dict[str, Any] = Field(alias="schema")
    schema_name: str | None = None
    schema_description: str | None = None


class MdxHeader(_Strict):
    name: str | None = Field(default=None, min_length=1)
    description: str | None = None
    text_config: AmModelConfig | None = None
    object_config: AmObjectConfig | None = None
    image_config: dict[str, Any] | None = None  # not evaluated: see agentmark.py
    speech_config: dict[str, Any] | None = None
    test_settings: TestSettings | None = None
    input_schema: dict[str, Any] | None = None  # documents the props; nothing to check against yet
    metadata: dict[str, Any] | None = None
    agentmark_meta: dict[str, Any] | None = None
    tools: list[ToolSpec] = Field(default_factory=list)  # the definitions of `text_config.tools` names


class PromptyModel(_Strict):
    """Prompty's `model:`: v2 (`id`, `provider`, `apiType`, `connection`, `options`) and v1 (`api`,
    `configuration` — `connection` in late v1 —, `parameters`, `response`)."""

    id: str | None = None
    provider: str | None = None
    apiType: str | None = None
    api: str | None = None
    connection: dict[str, Any] | None = None
    configuration: dict[str, Any] | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, Any] = Field(default_factory=dict)
    response: Any = None


Properties = list[dict[str, Any]] | dict[str, Any] | None


class PromptyHeader(BaseModel):
    """Prompty's front matter, v1 and v2. Prompty ignores keys it does not know, and so do we (a
    near-miss of a known key is refused by the parser)."""

    model_config = ConfigDict(extra="allow")

    name: str | None = Field(default=None, min_length=1)
    model: str | PromptyModel = Field(default_factory=PromptyModel)
    sample: dict[str, Any] | None = None
    inputs: Properties = None
    outputs: Properties = None
    tools: list[dict[str, Any]] | dict[str, Any] | None = None
    template: str | dict[str, Any] | None = None
    evals: Evals | None = None
    # descriptive only
    displayName: str | None = None
    description: str | None = None
    authors: list[str] = Field(default_factory=list)
    version: Any = None
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] | None = None


class GhString(_Strict):
    contains: str | None = None
    equals: str | None = None
    startsWith: str | None = None
    endsWith: str | None = None


class GhChoice(_Strict):
    choice: str
    score: float = Field(ge=0, le=1)


class GhLlm(_Strict):
    modelId: str | None = None
    prompt: str = Field(min_length=1)
    choices: list[GhChoice] = Field(min_length=1)
    systemPrompt: str | None = None


class GhEvaluator(_Strict):
    name: str = Field(min_length=1)
    string: GhString | None = None
    llm: GhLlm | None = None
    uses: str | None = None


class GhModelParameters(_Strict):
    maxTokens: int | None = Field(default=None, ge=1)
    maxCompletionTokens: int | None = Field(default=None, ge=1)
    temperature: float | None = None
    topP: float | None = None
    frequencyPenalty: float | None = None
    presencePenalty: float | None = None
    stop: str | list[str] | None = None
    seed: int | None = None


class GhMessage(_Strict):
    role: str
    content: str


class GhFile(BaseModel):
    """A GitHub Models prompt file. GitHub's own tools ignore keys they don't know, so extras are kept
    for a did-you-mean check rather than refused outright."""

    model_config = ConfigDict(extra="allow")

    name: str | None = None
    description: str | None = None
    model: str | None = None
    modelParameters: GhModelParameters = Field(default_factory=GhModelParameters)
    responseFormat: Literal["text", "json_object", "json_schema"] | None = None
    jsonSchema: str | dict[str, Any] | None = None
    messages: list[GhMessage] = Field(min_length=1)
    testData: list[dict[str, Any]] | None = None
    evaluators: list[GhEvaluator] | None = None
