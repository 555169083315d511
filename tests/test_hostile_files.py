"""Never destroy a user's file, and every failure is a message.

Every command that writes a file or a folder refuses, in one line with exit status 2, to
replace an existing file without --force, to replace its own input even with it, and to write
to anything but a regular file (a fifo, a device, a symbolic link, a folder where a file is
expected). Folders of results are written all or nothing and carry a manifest, so a folder
never holds a mix of two runs unnoticed; a write cut short, even by SIGKILL, leaves no
half-written file. The hostile inputs are in tests/hostile/files/ (see its README)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer

from runner import Completed, run_stp, stp
from stpkit import __version__
from stpkit.cli.app import SCHEDULER_TIMEOUT_S, app
from stpkit.outputs import atomic

HERE = Path(__file__).parent
HOSTILE = HERE / "hostile" / "files"
VALID = HERE / "fixtures" / "valid_small.yaml"
SRC = HERE.parent / "src"


def refused(result: Completed, *words: str) -> str:
    """The one line a refused command printed: exit status 2, no traceback, nothing on stdout."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 or lines[-1].endswith("nothing was written."), result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)
    return result.stderr


def lines(name: str) -> list[str]:
    return [line for line in (HOSTILE / name).read_text("utf-8").splitlines() if line]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    """A filled submission workbook of the small valid plan."""
    path = tmp_path_factory.mktemp("workbook") / "cornwall.xlsx"
    stp("template", "--plan", VALID, "--output", path)
    return path


# ------------------------------------------------------------- nothing replaced without --force


def _writers(tmp: Path, workbook: Path) -> list[tuple[str, list[str], Path]]:
    """(command, arguments, a file the command would write) for every command that writes files."""
    folder = tmp / "out"
    return [
        ("import", ["import", str(workbook), "-o", str(tmp / "plan.yaml")], tmp / "plan.yaml"),
        ("export", ["export", str(VALID), "-o", str(tmp / "results.xlsx")], tmp / "results.xlsx"),
        ("run json", ["run", str(VALID), "--runs", "0", "-f", "json", "-o", str(folder)], folder / "results.json"),
        ("run table", ["run", str(VALID), "--runs", "0", "-o", str(folder)], folder / "summary.txt"),
        ("report", ["report", str(VALID), "--runs", "0", "--no-pdf", "-o", str(folder)],
         folder / "E54000036_report.html"),
        ("public", ["public", str(VALID), "--runs", "0", "--no-pdf", "-o", str(folder)],
         folder / "E54000036_public.html"),
        ("national json", ["national", "--runs", "0", "-f", "json", "-o", str(folder)], folder / "national.json"),
        ("national map", ["national", "--runs", "0", "-f", "json", "--map", str(tmp / "map.svg")], tmp / "map.svg"),
        ("schema", ["schema", "-o", str(folder)], folder / "plan.schema.json"),
        ("examples", ["examples", "--copy", str(folder)], folder / "lincolnshire.yaml"),
        ("template", ["template", "-o", str(tmp / "t.xlsx")], tmp / "t.xlsx"),
    ]


@pytest.mark.parametrize("which", range(11), ids=[w[0] for w in _writers(Path("."), Path("."))])
def test_an_existing_file_is_replaced_only_with_force(tmp_path, workbook, which):
    name, args, target = _writers(tmp_path, workbook)[which]
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(HOSTILE / "users_plan.yaml", target)
    kept = target.read_bytes()
    refused(run_stp(*args), str(target), "--force")
    assert target.read_bytes() == kept
    stp(*args, "--force")
    assert target.read_bytes() != kept
    assert not list(tmp_path.rglob(".stp-staging-*"))


def test_import_never_writes_over_its_own_workbook_even_with_force(tmp_path, workbook):
    own = tmp_path / "own.xlsx"
    shutil.copy(workbook, own)
    os.link(own, tmp_path / "same_inode.yaml")
    kept = own.read_bytes()
    for target in (own, tmp_path / "same_inode.yaml", tmp_path / "." / "sub" / ".." / "own.xlsx"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        refused(run_stp("import", own, "-o", target, "--force"), "is an input of this command")
    assert own.read_bytes() == kept


def test_export_never_writes_over_its_own_workbook_even_with_force(tmp_path, workbook):
    own = tmp_path / "own.xlsx"
    shutil.copy(workbook, own)
    kept = own.read_bytes()
    refused(run_stp("export", own, "-o", own, "--force"), "is an input of this command")
    assert own.read_bytes() == kept


def test_run_never_writes_over_its_own_plan_even_with_force(tmp_path):
    """A JSON plan named results.json in the folder the results go to."""
    plan = tmp_path / "results.json"
    plan.write_text(json.dumps(_plan_as_json()), "utf-8")
    kept = plan.read_bytes()
    refused(run_stp("run", plan, "--runs", "0", "-f", "json", "-o", tmp_path, "--force"), "is an input")
    assert plan.read_bytes() == kept


def _plan_as_json() -> dict:
    from stpkit.api import PlanRun

    return json.loads(PlanRun.load(VALID).plan_json())


# ------------------------------------------------------------------- only regular files written


def _special_targets(tmp: Path) -> dict[str, Path]:
    fifo = tmp / "fifo.yaml"
    os.mkfifo(fifo)
    (tmp / "dangling.yaml").symlink_to(tmp / "nowhere" / "plan.yaml")
    (tmp / "to_fifo.yaml").symlink_to(fifo)
    (tmp / "to_file.yaml").symlink_to(HOSTILE / "users_plan.yaml")
    (tmp / "folder.yaml").mkdir()
    return {
        "fifo": fifo,
        "dangling link": tmp / "dangling.yaml",
        "link to a fifo": tmp / "to_fifo.yaml",
        "link to a user's file": tmp / "to_file.yaml",
        "folder": tmp / "folder.yaml",
        "device": Path("/dev/null"),
    }


SPECIAL = ["fifo", "dangling link", "link to a fifo", "link to a user's file", "folder", "device"]
WORDS = {"fifo": "special file", "dangling link": "dangling", "link to a fifo": "symbolic link",
         "link to a user's file": "symbolic link", "folder": "is a folder", "device": "special file"}


@pytest.mark.parametrize("kind", SPECIAL)
def test_import_refuses_an_output_that_is_not_a_regular_file(tmp_path, workbook, kind):
    target = _special_targets(tmp_path)[kind]
    before = os.lstat(target)
    refused(run_stp("import", workbook, "-o", target, "--force"), str(target), WORDS[kind])
    after = os.lstat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert (HOSTILE / "users_plan.yaml").read_text("utf-8").startswith("# A user's own file")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("kind", ["fifo", "dangling link", "link to a fifo", "device"])
def test_export_and_the_map_refuse_special_files(tmp_path, kind):
    target = _special_targets(tmp_path)[kind]
    before = os.lstat(target)
    refused(run_stp("export", VALID, "-o", target, "--force"), str(target))
    refused(run_stp("national", "--runs", "0", "-f", "json", "--map", target, "--force"), str(target))
    after = os.lstat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)


def test_a_folder_output_that_is_a_file_or_holds_a_fifo_is_refused(tmp_path):
    refused(run_stp("run", VALID, "--runs", "0", "-f", "json", "-o", HOSTILE / "users_results.json"),
            "is not a folder")
    folder = tmp_path / "out"
    folder.mkdir()
    os.mkfifo(folder / "results.json")
    refused(run_stp("run", VALID, "--runs", "0", "-f", "json", "-o", folder, "--force"), "special file")
    assert sorted(p.name for p in folder.iterdir()) == ["results.json"]


# ---------------------------------------------------------------- folders: all or nothing, manifest


def test_a_folder_of_results_carries_a_manifest_of_what_made_it(tmp_path):
    folder = tmp_path / "new" / "results"
    stp("run", VALID, "--runs", "20", "--seed", "7", "-f", "csv", "-o", folder)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    written = sorted(p.name for p in folder.iterdir() if p.name != "manifest.json")
    assert len(written) >= 2
    assert sorted(manifest["files"]) == written
    for name in written:  # hashed here, independently of the writer
        assert manifest["files"][name]["sha256"] == sha256(folder / name)
        assert manifest["files"][name]["bytes"] == (folder / name).stat().st_size
    assert manifest["plans"] == {str(VALID): sha256(VALID)}
    assert (manifest["runs"], manifest["seed"], manifest["stpkit"], manifest["command"]) == (20, 7, __version__, "run")
    assert atomic.manifest_mismatches(folder) == []
    assert [p.name for p in tmp_path.rglob(".*")] == []


def test_a_report_names_its_manifest_after_the_page_so_reports_can_share_a_folder(tmp_path):
    stp("report", VALID, "--runs", "0", "--no-pdf", "-o", tmp_path)
    stp("public", VALID, "--runs", "0", "--no-pdf", "-o", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "E54000036_public.html", "E54000036_public.manifest.json",
        "E54000036_report.html", "E54000036_report.manifest.json",
    ]
    assert atomic.manifest_mismatches(tmp_path, "E54000036_report.manifest.json") == []


def test_national_writes_its_map_in_the_same_all_or_nothing_write(tmp_path):
    stp("national", "--runs", "0", "-f", "json", "-o", tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    assert sorted(manifest["files"]) == ["england_map.svg", "national.json"]


def test_a_folder_holding_a_mix_of_two_runs_is_noticed():
    assert sorted(atomic.manifest_mismatches(HOSTILE / "mixed_run")) == ["results.json", "summary.txt"]


def _fail_on(number: int, exc: BaseException):
    """A stand-in for the staged writer that fails on the ``number``-th file."""
    real = atomic._write_staged
    count = {"n": 0}

    def writer(path, data, mode):
        count["n"] += 1
        if count["n"] == number:
            raise exc
        real(path, data, mode)

    return writer


def test_a_failed_write_into_a_new_folder_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "_write_staged", _fail_on(2, OSError(28, "No space left on device")))
    refused(run_stp("run", VALID, "--runs", "0", "-f", "csv", "-o", tmp_path / "out"), "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_into_an_existing_folder_changes_nothing(tmp_path, monkeypatch):
    stp("run", VALID, "--runs", "0", "-f", "csv", "-o", tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    monkeypatch.setattr(atomic, "_write_staged", _fail_on(3, PermissionError(13, "Permission denied", "x.csv")))
    refused(run_stp("run", VALID, "--runs", "5", "-f", "csv", "-o", tmp_path, "--force"), "x.csv: Permission denied")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_write_cut_short_while_replacing_leaves_a_folder_whose_manifest_says_so(tmp_path, monkeypatch):
    stp("run", VALID, "--runs", "0", "-f", "csv", "-o", tmp_path)
    real, moved = os.replace, []

    def replace(src, dst):
        if len(moved) == 1:
            raise OSError(5, "Input/output error")
        moved.append(dst)
        real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    refused(run_stp("run", VALID, "--runs", "5", "-f", "csv", "-o", tmp_path, "--force"), "Input/output error")
    monkeypatch.setattr(atomic.os, "replace", real)
    assert atomic.manifest_mismatches(tmp_path) == ["manifest.json"]  # removed before any file moved
    assert not list(tmp_path.glob(".stp-staging-*"))


KILLED_WRITER = """
import sys, time
from stpkit.outputs import atomic
real = atomic._write_staged
def slow(path, data, mode):
    real(path, data, mode)
    print("staged", path.name, flush=True)
    time.sleep(60)
atomic._write_staged = slow
sys.argv = ["stp", *sys.argv[1:]]
from stpkit.cli import main
main()
"""


@pytest.mark.parametrize("existing", [False, True], ids=["new folder", "existing folder"])
def test_a_writer_killed_mid_write_leaves_the_target_as_it_was(tmp_path, existing):
    """SIGKILL between two files: the target is untouched apart from a hidden staging folder
    (inside it when it existed, beside it when it did not), which the next write removes."""
    target = tmp_path / "out"
    if existing:
        stp("run", VALID, "--runs", "0", "-f", "csv", "-o", target)
    before = {p.name: p.read_bytes() for p in target.iterdir()} if existing else None
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    args = ["run", str(VALID), "--runs", "0", "-f", "csv", "-o", str(target), "--force"]
    with subprocess.Popen([sys.executable, "-c", KILLED_WRITER, *args], stdout=subprocess.PIPE, env=env,
                          text=True) as writer:
        assert writer.stdout.readline().startswith("staged")
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    if existing:
        assert {p.name: p.read_bytes() for p in target.iterdir() if not p.name.startswith(".")} == before
        assert atomic.manifest_mismatches(target) == []
        assert [p.name.startswith(".stp-staging-") for p in target.iterdir() if p.name.startswith(".")] == [True]
    else:
        assert not target.exists()
        assert [p.name.startswith(".stp-staging-") for p in tmp_path.iterdir()] == [True]
    stp(*args)
    assert not list(tmp_path.rglob(".stp-staging-*"))
    assert atomic.manifest_mismatches(target) == []


def test_staging_left_by_a_dead_process_is_removed_and_a_live_ones_is_kept(tmp_path):
    folder = tmp_path / "stale_staging"
    shutil.copytree(HOSTILE / "stale_staging", folder)
    live = folder / f".stp-staging-{os.getpid()}-live"
    live.mkdir()
    stp("run", VALID, "--runs", "0", "-f", "json", "-o", folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted([live.name, "manifest.json", "results.json",
                                                               "summary.txt"])


# --------------------------------------------------------------------- every failure is a message


#: Each command with a broken argument or environment; the test below fails when a command is
#: added without one.
def _broken(tmp: Path, workbook: Path) -> dict[str, list[str]]:
    (tmp / "dangling.xlsx").symlink_to(tmp / "nowhere.xlsx")
    os.mkfifo(tmp / "fifo.xlsx")
    (tmp / "copied").mkdir()
    (tmp / "copied" / "lincolnshire.yaml").write_text("mine", "utf-8")
    return {
        "run": ["run", str(VALID), "--runs", "2", "--scheduler", "not a url"],
        "sensitivity": ["sensitivity", str(VALID), "--samples", "8", "--scheduler", "tcp://:abc"],
        "report": ["report", str(VALID), "--runs", "0", "--no-pdf", "-o", str(HOSTILE / "users_results.json")],
        "public": ["public", str(VALID), "--runs", "0", "--seed", "-1"],
        "national": ["national", "--runs", "0", "-p", str(HOSTILE / "twice_cornwall_a.yaml"),
                     "-p", str(HOSTILE / "twice_cornwall_b.yaml")],
        "template": ["template", "--plan", str(VALID), "-o", str(tmp / "dangling.xlsx")],
        "import": ["import", str(workbook), "-o", str(workbook), "--force"],
        "export": ["export", str(VALID), "-o", str(tmp / "fifo.xlsx")],
        "validate": ["validate", str(tmp / "no_such_plan.yaml")],
        "check": ["check", str(VALID), "--seed", "-5"],
        "schema": ["schema", "-o", str(HOSTILE / "users_results.json")],
        "parameters": ["parameters", "unexpected"],
        "footprints": ["footprints", "E99999999"],
        "examples": ["examples", "--copy", str(tmp / "copied")],
        "serve": ["serve", "--host", "127.0.0.1", "--port", str(_taken_port())],
    }


_LISTENING: list[socket.socket] = []


def _taken_port() -> int:
    """A port something already listens on (kept open for the rest of the session)."""
    if not _LISTENING:
        listener = socket.create_server(("127.0.0.1", 0))
        _LISTENING.append(listener)
    return _LISTENING[0].getsockname()[1]


COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def test_every_command_has_a_broken_case(tmp_path):
    assert sorted(_broken(tmp_path, tmp_path / "w.xlsx")) == COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_fails_with_a_message_not_a_traceback(tmp_path, workbook, command):
    result = run_stp(*_broken(tmp_path, workbook)[command])
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.strip()
    unknown = run_stp(command, "--no-such-option")
    assert unknown.returncode == 2 and "Traceback" not in unknown.stdout + unknown.stderr


SEEDED = sorted(
    name for name, command in typer.main.get_command(app).commands.items()
    if any("--seed" in p.opts for p in command.params)
)


def test_the_seeded_commands_are_the_ones_expected():
    assert SEEDED == ["check", "national", "public", "report", "run", "sensitivity"]


@pytest.mark.parametrize("command", SEEDED)
def test_a_negative_seed_is_refused_by_every_command_that_takes_one(command):
    plan = [] if command == "national" else [str(VALID)]
    result = run_stp(command, *plan, "--runs" if command != "sensitivity" else "--samples", "8", "--seed", "-1")
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
    assert "--seed" in result.stderr


@pytest.mark.parametrize("address", lines("schedulers_malformed.txt"))
def test_a_malformed_scheduler_address_is_one_line_at_once(address):
    started = time.monotonic()
    refused(run_stp("run", VALID, "--runs", "2", "--scheduler", address), "--scheduler", "scheduler address")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("address", lines("schedulers_unreachable.txt"))
def test_an_unreachable_scheduler_fails_in_one_line_within_seconds(address):
    started = time.monotonic()
    refused(run_stp("sensitivity", VALID, "--samples", "8", "--scheduler", address), "cannot reach")
    assert time.monotonic() - started < SCHEDULER_TIMEOUT_S + 5


def test_an_unreachable_scheduler_prints_no_traceback_as_the_program_ends():
    """Dask clients that fail to connect print tracebacks when collected at exit; none is made."""
    done = subprocess.run(
        [sys.executable, "-m", "stpkit", "run", str(VALID), "--runs", "2", "--scheduler", "tcp://127.0.0.1:1"],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(SRC)}, timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr


def test_national_refuses_two_plans_for_one_footprint_in_one_line():
    a, b = HOSTILE / "twice_cornwall_a.yaml", HOSTILE / "twice_cornwall_b.yaml"
    text = refused(run_stp("national", "--runs", "0", "-f", "json", "-p", a, "-p", b))
    assert f"{b}: footprint.code: E54000036 already has a plan ({a}); give one plan per footprint" in text


@pytest.mark.parametrize(("name", "years"), [("years_short_horizon.yaml", "2016/17 to 2019/20"),
                                              ("years_later_base.yaml", "2017/18 to 2020/21")])
def test_national_explains_a_plan_whose_years_differ_in_one_line(name, years):
    stp("validate", HOSTILE / name)  # a valid plan, on its own
    text = refused(run_stp("national", "--runs", "0", "-f", "json", "-p", HOSTILE / name))
    # located at the year that differs, as plan problems are
    said = rf"{re.escape(str(HOSTILE / name))}:\d+: (base_year|horizon): the plan covers {re.escape(years)} but the " \
        r"national run adds up 2016/17 to 2020/21"
    assert re.search(said, text), text


@pytest.mark.skipif(os.geteuid() == 0, reason="the superuser may write into a read-only folder")
def test_a_read_only_folder_is_one_line(tmp_path):
    tmp_path.chmod(0o555)
    try:
        refused(run_stp("run", VALID, "--runs", "0", "-f", "json", "-o", tmp_path / "out"), "Permission denied")
    finally:
        tmp_path.chmod(0o755)


def test_a_write_the_file_system_refuses_is_one_line(tmp_path, monkeypatch):
    """What a read-only folder does for a user who is not the superuser."""

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(atomic.tempfile, "mkdtemp", refuse)
    text = refused(run_stp("export", VALID, "-o", tmp_path / "r.xlsx"))
    assert text == f"stp: {tmp_path}: Permission denied; nothing was written.\n"


def test_the_corpus_readme_lists_every_file():
    readme = (HOSTILE / "README.md").read_text("utf-8")
    files = [p.relative_to(HOSTILE).as_posix() for p in HOSTILE.rglob("*") if p.is_file() and p.name != "README.md"]
    assert len(files) >= 15
    for name in files:
        assert name in readme, name


def test_help_of_every_writing_command_offers_force():
    for command in ("run", "sensitivity", "report", "public", "national", "template", "import", "export",
                    "schema", "examples"):
        assert "--force" in stp(command, "--help").stdout, command



@pytest.mark.parametrize("device", lines("special_targets.txt"))
def test_devices_are_never_written(device):
    refused(run_stp("export", VALID, "-o", device, "--force"), device, "stp writes only regular files")


@pytest.mark.parametrize(("users", "args", "name"), [
    ("users_summary.txt", ["run", str(VALID), "--runs", "0"], "summary.txt"),
    ("users_results.json", ["run", str(VALID), "--runs", "0", "-f", "json"], "results.json"),
    ("users_map.svg", ["national", "--runs", "0"], "england_map.svg"),
])
def test_a_users_file_in_the_output_folder_is_kept(tmp_path, users, args, name):
    shutil.copy(HOSTILE / users, tmp_path / name)
    refused(run_stp(*args, "-o", tmp_path), name, "--force")
    assert (tmp_path / name).read_bytes() == (HOSTILE / users).read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_something_listening_that_is_not_a_scheduler_fails_within_seconds():
    """A port that accepts connections and never answers (not a Dask scheduler): one line, no
    traceback as the program ends, well before Dask's own waits run out."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                accepted.append(listener.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "stpkit", "run", str(VALID), "--runs", "2", "--scheduler", address],
            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(SRC)}, timeout=120,
        )
    finally:
        listener.close()
        for connection in accepted:
            connection.close()
    assert time.monotonic() - started < SCHEDULER_TIMEOUT_S + 10
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no Dask scheduler answered" in done.stderr, done.stderr


def test_a_sensitivity_folder_records_its_samples_and_seed(tmp_path):
    stp("sensitivity", VALID, "--samples", "8", "--seed", "3", "-f", "json", "-o", tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    assert (manifest["command"], manifest["samples"], manifest["seed"]) == ("sensitivity", 8, 3)
    assert manifest["files"]["sensitivity.json"]["sha256"] == sha256(tmp_path / "sensitivity.json")
