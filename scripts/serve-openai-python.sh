#!/usr/bin/env bash
# Acceptance check of `finetune4j serve` with OpenAI's own Python client (not part of `mvn verify`):
# serves stories260K and calls it as the fine-tuning guide calls OpenAI, completions.create(model, prompt,
# max_tokens=100, temperature=0.6); then checks that a greedy completion is `finetune4j generate`'s text,
# that streaming adds up to it, a chat turn (chatml template), an error, the API key, and a graceful SIGTERM.
# Usage: scripts/serve-openai-python.sh PYTHON [MODEL_DIR]
#        (PYTHON: an interpreter with the openai package; MODEL_DIR default ../shared/assets/models/stories260K)
set -euo pipefail
python="${1:?usage: scripts/serve-openai-python.sh PYTHON [MODEL_DIR]}"
root="$(cd "$(dirname "$0")/.." && pwd)"
model="${2:-$root/../shared/assets/models/stories260K}"
cd "$root"
log="$(mktemp)"
source scripts/serve-lib.sh
FINETUNE4J_API_KEY=sk-local start_serve "$log" --model "$model" --chat-template chatml
cat "$log"
generated="$(./finetune4j generate --model "$model" --prompt "Once upon a time" --max-new-tokens 100)"
GENERATED="$generated" "$python" - "$port" "$id" <<'PY'
import os, sys
import openai
from openai import OpenAI

port, model = sys.argv[1], sys.argv[2]
client = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-local", max_retries=0)
print("openai", openai.__version__)

# The source article's call: openai.Completion.create(engine=..., prompt=..., max_tokens=100, temperature=0.6)
response = client.completions.create(model=model, prompt="Once upon a time", max_tokens=100, temperature=0.6)
print("sampled (temperature 0.6):", repr(response.choices[0].text[:200]), response.usage)
assert response.choices[0].text and response.usage.completion_tokens > 0

greedy = client.completions.create(model=model, prompt="Once upon a time", max_tokens=100, temperature=0)
text = "Once upon a time" + greedy.choices[0].text
assert text == os.environ["GENERATED"], (text, os.environ["GENERATED"])
print("greedy == finetune4j generate: yes,", greedy.usage.completion_tokens, "tokens,", greedy.choices[0].finish_reason)

chunks = client.completions.create(model=model, prompt="Once upon a time", max_tokens=100, temperature=0, stream=True)
assert "".join(c.choices[0].text for c in chunks if c.choices) == greedy.choices[0].text
print("streamed == whole: yes")

chat = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Tell me a story."}],
                                      max_tokens=40, temperature=0.6, seed=1)
print("chat:", repr(chat.choices[0].message.content[:120]))

try:
    client.completions.create(model=model, prompt="Once upon a time", max_tokens=1000)
    raise SystemExit("max_tokens beyond the context was accepted")
except openai.BadRequestError as e:
    print("error as expected:", e.status_code, e.body["message"][:100])
try:
    OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="wrong", max_retries=0).models.list()
    raise SystemExit("a wrong API key was accepted")
except openai.AuthenticationError as e:
    print("wrong key refused:", e.status_code)
print("models:", [m.id for m in client.models.list()])
PY
kill -TERM $server
rc=0
wait $server || rc=$?
echo "SIGTERM: server stopped gracefully (exit $rc: the JVM's 128 + 15 after its shutdown hook ran)"
[ "$rc" = 0 ] || [ "$rc" = 143 ]
trap - EXIT
rm -f "$log"
