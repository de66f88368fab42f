#!/usr/bin/env bash
# Spreadsheet benchmarks through the native CLI (not a test): `bash bench/sheets.sh [GB]`.
#   1. XLSX, 100,000 rows (written by openpyxl from the project's venv): read + map + check time,
#      and memory against the file's size (goal: ≤ 1 s, ≤ 3× the input): the process's peak RSS,
#      the process alone (`muster --version`) beside it, and the peak heap of the check
#      (bench/heap.rs). The workbook is read from its file, not held.
#   2. Streaming: a generated CSV of about GB gigabytes (default 1, 2 % of rows with an invalid
#      email) validated as it is read: rows/s and peak RSS. Memory is flat: the file is never
#      held, and past a budget the values checked for batch duplicates and the findings go to
#      temporary files (only the usernames and emails a Manager column may name stay in memory;
#      this file has none).
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$ROOT"
GB="${1:-1}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cargo build --quiet --release --bin muster
muster="$ROOT/target/release/muster"

measure() { # LABEL FILE ARGS...
  local label="$1" file="$2"; shift 2
  local bytes; bytes=$(stat -c %s "$file")
  /usr/bin/time -f "%e %M" -o "$dir/time" "$muster" validate "$file" "$@" --json > "$dir/out.json" || true
  read -r seconds kib < <(tail -1 "$dir/time") # the last line (a failing run adds one before it)
  local rows; rows=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$dir/out.json','utf8')).summary.rows)")
  printf '%s: %s rows, %s MB in %s s (%s rows/s), peak RSS %s MB (%.1f× the file)\n' "$label" "$rows" \
    "$((bytes / 1000000))" "$seconds" "$(node -e "console.log(Math.round($rows / $seconds).toLocaleString())")" \
    "$((kib / 1024))" "$(node -e "console.log(($kib * 1024) / $bytes)")"
}

step "XLSX, 100,000 rows"
"$ROOT/.tools/venv/bin/python" - "$dir/hires.xlsx" <<'PY'
import sys, openpyxl
wb = openpyxl.Workbook(write_only=True)
ws = wb.create_sheet("Hires")
ws.append(["Username", "First Name", "Last Name", "Email", "Employee ID", "Department", "Start date"])
import datetime
for i in range(100_000):
    ws.append([f"user{i}", "Given", f"Family {i}", f"user{i}@example.com", f"{i:06}", "Operations", datetime.date(2026, 12, 1)])
wb.save(sys.argv[1])
PY
measure "XLSX" "$dir/hires.xlsx" --format jumpcloud-create
/usr/bin/time -f "%M" -o "$dir/time" "$muster" --version > /dev/null
awk '{ printf "the process alone (muster --version): peak RSS %.1f MB\n", $1 / 1024 }' < <(tail -1 "$dir/time")
# The heap the check itself takes (bench/heap.rs): the peak RSS above also holds the process.
cargo bench --quiet --bench heap -- "$dir/hires.xlsx" 2> /dev/null

step "streaming CSV, about $GB GB"
node -e '
const fs = require("fs");
const out = fs.openSync(process.argv[1], "w");
const target = Number(process.argv[2]) * 1e9;
let written = 0, i = 0;
const header = "Username,First Name,Last Name,Email,Employee ID,Department,Job Title,City\n";
fs.writeSync(out, header); written += header.length;
while (written < target) {
  let chunk = "";
  for (let k = 0; k < 10000; k++, i++) {
    const email = i % 50 === 7 ? `user${i}.example.com` : `user${i}@example.com`;
    chunk += `user${i},Given,"Family, ${i}",${email},${String(i).padStart(8, "0")},Operations,Analyst,Boulder\n`;
  }
  fs.writeSync(out, chunk); written += chunk.length;
}
fs.closeSync(out);
' "$dir/big.csv" "$GB"
measure "CSV stream" "$dir/big.csv" --format jumpcloud-create
