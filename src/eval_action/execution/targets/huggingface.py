"""HuggingFace Inference text classification, for the `classifier` scorer (as promptfoo's
`huggingface:text-classification:<model>` provider).

POST `{base_url}/models/{model}` with `{"inputs": text}`; the answer is a list of `{label, score}`,
nested in a list per input (`[[…]]`) as the Inference API documents it, or flat. The key is
`HF_TOKEN` (or `api_key_env`) as a Bearer token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eval_action.execution.targets.auth import api_key, base_url, header_values
from eval_action.execution.targets.http import HttpPool
from eval_action.model.errors import TargetError
from eval_action.model.specs import ProviderSpec
from eval_action.model.urlpath import path_segments

DEFAULT_BASE_URL = "https://router.huggingface.co/hf-inference"


class HuggingFaceClassifier:
    def __init__(self, spec: ProviderSpec, *, env: Mapping[str, str], http: HttpPool, timeout_s: float) -> None:
        self.spec = spec
        self.base_url, self._url_origin = base_url(spec.base_url, env, "", DEFAULT_BASE_URL)
        self._key = api_key(env, spec.key_variable or "", self.base_url, spec.label())
        self._extra_headers, self._header_secrets = header_values(spec.headers, env, spec.label())
        self._http = http
        self._timeout_s = timeout_s

    def cache_identity(self) -> dict[str, Any] | None:
        return {"type": self.spec.type, "model": self.spec.model, "base_url": self.base_url,
                **({"headers": self.spec.headers} if self.spec.headers else {})}

    async def classify(self, text: str) -> dict[str, float]:
        """Each label's score for `text`."""
        headers = dict(self._extra_headers)
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        url = f"{self.base_url}/models/{path_segments(self.spec.model or '')}"
        secrets = [self._key, *self._header_secrets] if self._key else list(self._header_secrets)
        return await self._http.post_json(url, {"inputs": text}, headers=headers, timeout_s=self._timeout_s,
                                          parse=parse_classification, secrets=secrets, origin=self._url_origin)


def parse_classification(body: Any) -> dict[str, float]:
    """KeyError/TypeError/ValueError for a body that is not a classification (retried as malformed)."""
    if isinstance(body, dict) and body.get("error"):
        raise TargetError(f"HuggingFace Inference error: {str(body['error'])[:200]}")
    items = body[0] if body and isinstance(body[0], list) else body
    return {str(item["label"]): float(item["score"]) for item in items}
