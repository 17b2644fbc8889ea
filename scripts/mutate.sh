#!/usr/bin/env bash
# Mutation testing of one core area with mutmut: `make mutate AREA=economics` (or inventory, scenario, blocks).
# A surviving mutant is a missing test (docs/development.md, "Mutation testing").
#
# The working tree as it is (tracked and new files, not the ignored ones) is copied to .mutants/AREA/, where
# mutmut writes its mutants/ and remembers its results: a second run goes on where the first stopped and
# tests again only the functions that changed. Only AREA's package is mutated, and only AREA's own tests run
# against its mutants (the tests marked slow left out). Extra arguments go to `mutmut run` (mutant names or
# globs, e.g. "qala.economics.costs*"). JOBS: mutants tested at once (default: the number of cores).
set -euo pipefail
area=${1:-economics}
shift || true
case "$area" in
  economics) tests=(tests/test_economics.py tests/test_removals.py tests/test_economics_page.py) ;;
  inventory) tests=(tests/test_inventory_cases.py tests/test_inventory_properties.py tests/test_inventory_coverage.py
                   tests/test_inventory_export.py tests/test_inventory_rows.py tests/test_inventory_plants.py
                   tests/test_chp.py tests/test_astana.py) ;;
  scenario) tests=(tests/test_scenario_engine.py tests/test_scenario_plan.py tests/test_scenario_properties.py tests/test_targets.py
                   tests/test_adoption.py tests/test_distributions.py tests/test_formula.py
                   tests/test_scenario_vm.py tests/test_variants.py tests/test_variants_apply.py tests/test_reduce.py
                   tests/test_scenario_result.py tests/test_reduced_json.py tests/test_sensitivity.py) ;;
  blocks) tests=(tests/test_figure_blocks.py) ;;  # the store's figure blocks (qala/store/blocks.py)
  *) echo "mutate: AREA is economics, inventory, scenario or blocks, not '$area'" >&2; exit 2 ;;
esac
mutate="src/qala/$area/*"
[[ $area == blocks ]] && mutate="src/qala/store/blocks.py"
venv=${VENV:-.venv}
[[ -x $venv/bin/python ]] || { echo "mutate: no $venv (run make setup first)" >&2; exit 2; }
if ! "$venv/bin/python" -c "import mutmut" 2>/dev/null; then
  if command -v uv >/dev/null 2>&1; then
    uv pip install --quiet --python "$venv/bin/python" "mutmut==3.8.1"
  else
    "$venv/bin/python" -m pip install --quiet "mutmut==3.8.1"
  fi
fi
root=$(pwd)
work=.mutants/$area
mkdir -p "$work"
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [[ -f $f ]] && printf '%s\0' "$f"; done |
  tar --null -T - -cf - | tar -xf - -C "$work"
ln -sfn "$(cd "$venv" && pwd)" "$work/.venv"
selection=$(printf '"%s", ' "${tests[@]}")
cat >>"$work/pyproject.toml" <<EOF

[tool.mutmut]
source_paths = ["src"]
only_mutate = ["$mutate"]
pytest_add_cli_args_test_selection = [${selection%, }]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-m", "not slow"]
also_copy = ["docs", "benchmarks", "scripts", "babel.cfg", "README.md", "Makefile"]
# a fork server: the suite's thread pools (polars, numba) do not survive a fork of the process that ran them
process_isolation = "forkserver"
use_git_change_detection = false
EOF
cd "$work"
.venv/bin/mutmut run --max-children "${JOBS:-$(nproc)}" "$@"
echo
echo "Survivors (each a missing test; '.venv/bin/mutmut show NAME' in $root/$work shows the change):"
.venv/bin/mutmut results | grep -v ": not checked" || echo "  none"
