#!/usr/bin/env bash
# Serve an open Korean instruct model with vLLM's OpenAI-compatible server for innogrowth.
#   serve.sh install   create $VLLM_VENV with vllm==$VLLM_VERSION (its own virtualenv)
#   serve.sh run       start the server in the foreground (systemd / tmux friendly)
#   serve.sh check     ask the running server for a schema-constrained JSON answer
# Settings come from vllm.env beside this script (see vllm.env.example), then the environment.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
if [[ -f "$here/vllm.env" ]]; then
  set -a
  # shellcheck source=/dev/null
  source "$here/vllm.env"
  set +a
fi

: "${VLLM_VENV:=/opt/innogrowth-vllm/venv}"
: "${VLLM_VERSION:=0.33.0}"
: "${VLLM_MODEL:=kakaocorp/kanana-1.5-8b-instruct-2505}"
: "${VLLM_SERVED_NAME:=kakaocorp/kanana-1.5-8b-instruct-2505}"
: "${VLLM_HOST:=0.0.0.0}"
: "${VLLM_PORT:=8001}"
: "${VLLM_API_KEY:=}"
: "${VLLM_MAX_MODEL_LEN:=8192}"
: "${VLLM_GPU_MEMORY_UTILIZATION:=0.90}"
: "${VLLM_QUANTIZATION:=fp8}"
: "${VLLM_KV_CACHE_DTYPE:=auto}"
: "${VLLM_MAX_NUM_SEQS:=16}"
: "${VLLM_STRUCTURED_BACKEND:=xgrammar}"
: "${VLLM_EXTRA_ARGS:=}"

install() {
  python3 -m venv "$VLLM_VENV"
  "$VLLM_VENV/bin/pip" install --upgrade pip
  "$VLLM_VENV/bin/pip" install "vllm==$VLLM_VERSION"
  "$VLLM_VENV/bin/python" -c 'import vllm; print("vllm", vllm.__version__)'
}

# vLLM >= 0.11 takes --structured-outputs-config; older releases took --guided-decoding-backend.
structured_output_args() {
  local version
  version="$("$VLLM_VENV/bin/python" -c 'import vllm; print(vllm.__version__)')"
  if "$VLLM_VENV/bin/python" - "$version" <<'PY'
import sys
major, minor = (int(x) for x in sys.argv[1].split(".")[:2])
sys.exit(0 if (major, minor) >= (0, 11) else 1)
PY
  then
    printf '%s\n' --structured-outputs-config \
      "{\"backend\": \"$VLLM_STRUCTURED_BACKEND\", \"disable_any_whitespace\": true}"
  else
    printf '%s\n' --guided-decoding-backend "$VLLM_STRUCTURED_BACKEND"
  fi
}

run() {
  [[ -x "$VLLM_VENV/bin/vllm" ]] || { echo "no vLLM in $VLLM_VENV: run '$0 install' first" >&2; exit 1; }
  [[ -n "$VLLM_API_KEY" ]] || echo "warning: VLLM_API_KEY is empty, the server accepts any caller" >&2
  local args=(
    serve "$VLLM_MODEL"
    --served-model-name "$VLLM_SERVED_NAME"
    --host "$VLLM_HOST" --port "$VLLM_PORT"
    --dtype bfloat16
    --max-model-len "$VLLM_MAX_MODEL_LEN"
    --gpu-memory-utilization "$VLLM_GPU_MEMORY_UTILIZATION"
    --max-num-seqs "$VLLM_MAX_NUM_SEQS"
    --kv-cache-dtype "$VLLM_KV_CACHE_DTYPE"
    --enable-prefix-caching
    --generation-config vllm
  )
  [[ "$VLLM_QUANTIZATION" == "none" ]] || args+=(--quantization "$VLLM_QUANTIZATION")
  [[ -z "$VLLM_API_KEY" ]] || args+=(--api-key "$VLLM_API_KEY")
  mapfile -t structured < <(structured_output_args)
  args+=("${structured[@]}")
  # shellcheck disable=SC2206
  [[ -z "$VLLM_EXTRA_ARGS" ]] || args+=($VLLM_EXTRA_ARGS)
  export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}"   # weights are local; never reach out at run time
  exec "$VLLM_VENV/bin/vllm" "${args[@]}"
}

check() {
  local url="http://127.0.0.1:$VLLM_PORT/v1"
  curl -fsS -H "Authorization: Bearer ${VLLM_API_KEY:-EMPTY}" "$url/models"
  echo
  curl -fsS "$url/chat/completions" \
    -H "Authorization: Bearer ${VLLM_API_KEY:-EMPTY}" -H 'Content-Type: application/json' \
    -d @- <<JSON
{"model": "$VLLM_SERVED_NAME", "temperature": 0, "max_tokens": 60,
 "messages": [{"role": "user", "content": "후보 IG001(태양전지), IG002(물류 로봇) 중 태양광 모듈 제조사에 맞는 코드를 고르십시오."}],
 "response_format": {"type": "json_schema", "json_schema": {"name": "check", "strict": true,
   "schema": {"type": "object", "properties": {"code": {"type": "string", "enum": ["IG001", "IG002"]}},
              "required": ["code"], "additionalProperties": false}}}}
JSON
  echo
}

case "${1:-run}" in
  install) install ;;
  run) run ;;
  check) check ;;
  *) echo "usage: $0 [install|run|check]" >&2; exit 2 ;;
esac
