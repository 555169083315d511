"""How long stpkit takes to refuse an oversized input, and how much memory it uses doing so.

Run with `python benchmarks/hostile_inputs.py`; it prints its figures and asserts nothing.
Each input is built in a temporary folder and given to `stp` in a fresh process, which reports
the time from the start of the command to its exit (the interpreter's own start-up left out)
and its peak resident memory (``VmHWM`` of /proc/self/status, which includes the interpreter
and the libraries the command imports; ``getrusage`` would carry over this script's own
peak). Targets: every refusal under 2 s and under 200 MB."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "fixtures" / "valid_small.yaml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
TARGET_S, TARGET_MB = 2.0, 200

#: Run in the child: the command, timed from its start, and the process's peak memory.
CHILD = """
import json, sys, time
start = time.perf_counter()
from stpkit.cli import main
sys.argv = ["stp", *sys.argv[2:]]
try:
    main()
    code = 0
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
seconds = time.perf_counter() - start
with open(OUT, "w") as out:
    status = open("/proc/self/status").read()
    peak_kb = int(status.split("VmHWM:")[1].split()[0])
    json.dump({"code": code, "seconds": seconds, "peak_kb": peak_kb}, out)
"""


def measure(args: list[str], folder: Path) -> dict:
    report = folder / "report.json"
    code = CHILD.replace("OUT", repr(str(report)))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", code, "child", *args], capture_output=True, text=True, env=env,
                          timeout=600, cwd=folder)
    found = json.loads(report.read_text())
    found["message"] = (done.stderr.strip().splitlines() or [""])[0]
    return found


def workbook(path: Path, sheet_rows: str = "", dimension: str = "A1:A1", extra: dict[str, bytes] | None = None,
             padding: int = 0) -> Path:
    """A zip with a workbook's parts as a template names them: only what the bounds check reads."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships"><sheets><sheet name="Schemes" sheetId="1" r:id="rId1"/>'
                   "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/relationships"><Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/>'
                   "</Relationships>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>'.encode())
            block = b" " * 1_000_000
            for _ in range(padding // len(block)):
                sheet.write(block)
            sheet.write(f"{sheet_rows}</sheetData></worksheet>".encode())
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    path.write_bytes(buf.getvalue())
    return path


def cases(folder: Path) -> list[tuple[str, list[str]]]:
    small = SMALL.read_text("utf-8")
    head = small[: small.index("schemes:")]
    scheme = ("  - id: S{i}\n    name: Scheme {i}\n    category: efficiency\n    owner: REF\n"
              "    acts_on: {{kind: unit_cost}}\n    size_pct: 0.001\n    phasing_pct: {{2017/18: 100}}\n"
              "    evidence: weak\n")

    huge = folder / "huge.yaml"
    huge.write_text(head + "# padding\n" * 600_000)
    full = folder / "schemes_100000.yaml"
    full.write_text(head + "schemes:\n" + "".join(scheme.format(i=i) for i in range(100_000)))
    bare = folder / "schemes_100000_bare.yaml"
    bare.write_text(head + "schemes:\n" + "  - 0\n" * 100_000)
    as_json = folder / "schemes_100000.json"
    as_json.write_text(json.dumps({"title": "t", "schemes": [0] * 100_000}))
    endless = folder / "endless.yaml"
    endless.symlink_to("/dev/zero")

    bomb = workbook(folder / "bomb.xlsx", padding=1_000_000_000)
    far = workbook(folder / "far.xlsx", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    strings = workbook(folder / "strings.xlsx", extra={
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">'.encode() + b"<si><t>x</t></si>" * 1_400_000 + b"</sst>"})
    many_strings = workbook(folder / "strings_5m.xlsx", extra={
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">'.encode() + b"<si><t>x</t></si>" * 5_000_000 + b"</sst>"})
    print(f"inputs: huge plan {huge.stat().st_size:,} B; 100,000 schemes {full.stat().st_size:,} B "
          f"({bare.stat().st_size:,} B bare, {as_json.stat().st_size:,} B JSON); zip bomb {bomb.stat().st_size:,} B "
          f"on disk for 1 GB; far cell {far.stat().st_size:,} B; 1.4 million shared strings "
          f"{strings.stat().st_size:,} B, 5 million {many_strings.stat().st_size:,} B\n")
    return [
        ("plan file of 6 MB (limit 5 MB)", ["validate", str(huge)]),
        ("plan of 100,000 schemes, 14 MB", ["validate", str(full)]),
        ("plan of 100,000 schemes, bare items", ["validate", str(bare)]),
        ("plan of 100,000 schemes, JSON", ["validate", str(as_json)]),
        ("unsized file (/dev/zero as a plan)", ["validate", str(endless)]),
        ("zip bomb: a sheet of 1 GB", ["import", str(bomb)]),
        ("workbook with a cell at XFD1048576", ["import", str(far)]),
        ("workbook with 1.4 million shared strings", ["import", str(strings)]),
        ("workbook with 5 million shared strings", ["import", str(many_strings)]),
        ("stp run --runs 1,000,000,000", ["run", str(SMALL), "--runs", "1000000000"]),
        ("stp sensitivity --samples 2^30", ["sensitivity", str(SMALL), "--samples", str(2**30)]),
        ("stp national --runs 100,000,000", ["national", "--runs", "100000000"]),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        todo = cases(folder)
        print(f"(built in {time.perf_counter() - start:.1f} s)\n")
        print(f"{'input':<44} {'exit':>4} {'seconds':>8} {'peak MB':>8}  within targets")
        for label, args in todo:
            found = measure(args, folder)
            mb = found["peak_kb"] / 1024
            ok = found["code"] == 2 and found["seconds"] < TARGET_S and mb < TARGET_MB
            print(f"{label:<44} {found['code']:>4} {found['seconds']:>8.2f} {mb:>8.0f}  {'yes' if ok else 'NO'}")
            print(f"    {found['message'][:150]}")


if __name__ == "__main__":
    main()
