#!/usr/bin/env bash
# Lower layers name the Settings schema where it lives, tools/settings.py, not through the app shell.
#
# Rewrites `from dealix.settings import ...` to `from tools.settings import ...` in graphs/, skills/,
# agents/, tools/ and prompts/, on every line that does not also import get_settings (reading the
# environment stays the shell's: those lines are the `settings or get_settings()` fallbacks listed as
# debt in pyproject.toml's import contracts). Then sorts the touched imports. Safe to run again, e.g.
# after merging branches that added such imports:  RUFF=/path/to/ruff scripts/relayer_settings.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUFF=${RUFF:-ruff}

mapfile -t files < <(grep -rlE '^[[:space:]]*from dealix\.settings import ' --include='*.py' \
    graphs skills agents tools prompts || true)
for f in "${files[@]}"; do
    sed -i -E '/get_settings/! s/^([[:space:]]*)from dealix\.settings import /\1from tools.settings import /' "$f"
done
{ grep -rl 'dealix\.settings\.MODEL_SKILLS' --include='*.py' graphs skills agents tools prompts || true; } \
    | xargs -r sed -i 's/dealix\.settings\.MODEL_SKILLS/tools.settings.MODEL_SKILLS/g'
if ((${#files[@]})); then
    "$RUFF" check --fix --select I --quiet "${files[@]}"
fi
echo "relayer_settings: ${#files[@]} file(s) looked at"
