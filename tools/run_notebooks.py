#!/usr/bin/python3
"""Execute the project's notebooks headless through the real Jupyter protocol (nbclient).

Run by `deno task notebooks` with Debian's /usr/bin/python3:

    /usr/bin/python3 tools/run_notebooks.py [--deno PATH] [--write] [--out DIR]
        [--timeout S] [--grace S] [NOTEBOOK_OR_DIR ...]

* The kernel is a temporary kernelspec whose argv is `--deno` (default: `deno` on PATH, else
  node_modules/deno/deno), with NO_COLOR=1, so no installed kernelspec is needed.
* The Deno kernel can publish a cell's last outputs after `status: idle`; stock nbclient drops them.
  `GraceClient` keeps reading IOPub for `--grace` seconds (default 0.2) after idle.
* A cell error stops that notebook; the run fails at the end naming each notebook, cell and message.
  A cell that produced an `execute_result` also fails it: cells must end with `await display(...)`
  (in a Jupyter UI a late `execute_result` can land under the next cell).
* `--write` stores the executed outputs back into the notebooks (atomically), without the
  one-per-notebook plotly.js output (4.8 MB; the figures' HTML then shows their PNG until the
  notebook is rerun); `--out DIR` writes complete executed copies into DIR instead (interactive in
  the classic Notebook once trusted, and in `jupyter nbconvert --to html`). Without either,
  nothing is written.
* Prints one line per notebook with its wall time and exits 1 if any notebook failed.
"""
import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellExecutionError, CellTimeoutError

REPO = Path(__file__).resolve().parent.parent
KERNEL_NAME = "bnn-lab-exec"


class GraceClient(NotebookClient):
    """nbclient that keeps listening on IOPub for `grace` seconds after the kernel reports idle."""

    grace = 0.2
    late_messages = 0
    late_kinds = []

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        assert self.kc is not None
        while True:
            msg = await self.kc.iopub_channel.get_msg(timeout=None)
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                break
        deadline = time.monotonic() + self.grace
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                msg = await self.kc.iopub_channel.get_msg(timeout=left)
            except Exception:  # queue.Empty: nothing more arrived within the grace period
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            if msg["msg_type"] != "status":
                GraceClient.late_messages += 1
                GraceClient.late_kinds.append(f"cell {cell_index}: {msg['msg_type']}")
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                pass


def find_deno(explicit):
    for cand in [explicit, os.environ.get("DENO_EXEC_PATH"), shutil.which("deno"),
                 str(REPO / "node_modules" / "deno" / "deno")]:
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    sys.exit("run_notebooks: no deno executable found (pass --deno PATH or put deno on PATH)")


def make_kernelspec(deno, root):
    kdir = Path(root) / "kernels" / KERNEL_NAME
    kdir.mkdir(parents=True)
    spec = {
        "argv": [deno, "jupyter", "--kernel", "--conn", "{connection_file}"],
        "display_name": "BNN+ Lab (Deno, executor)",
        "language": "typescript",
        "env": {"NO_COLOR": "1"},
    }
    (kdir / "kernel.json").write_text(json.dumps(spec, indent=1))


def collect(paths):
    out = []
    for p in paths or [str(REPO / "notebooks")]:
        p = Path(p)
        if p.is_dir():
            out += sorted(q for q in p.glob("*.ipynb") if not q.name.startswith("."))
        elif p.suffix == ".ipynb" and p.is_file():
            out.append(p)
        else:
            sys.exit(f"run_notebooks: {p} is not a notebook or a folder of notebooks")
    if not out:
        sys.exit("run_notebooks: no notebooks found")
    return out


def first_error(nb):
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                return i, f"{o.get('ename')}: {o.get('evalue')}"
    return None


def value_cells(nb):
    return [i for i, c in enumerate(nb.cells)
            if any(o.get("output_type") == "execute_result" for o in c.get("outputs", []))]


def strip_plotly_loader(nb):
    """Drop the plotly.js output (metadata bnn.plotlyLoader) that `show` sends once per session."""
    for cell in nb.cells:
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs
                            if not o.get("metadata", {}).get("bnn", {}).get("plotlyLoader")]
    return nb


def write_atomic(nb, path):
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        nbformat.write(nb, f)
    os.replace(tmp, path)


def strip_volatile(nb):
    """Drop per-run metadata so rewritten notebooks diff cleanly."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    return nb


def run_one(path, args):
    nb = nbformat.read(str(path), as_version=4)
    client = GraceClient(nb, timeout=args.timeout, kernel_name=KERNEL_NAME,
                         resources={"metadata": {"path": str(path.parent)}})
    client.grace = args.grace
    t0 = time.monotonic()
    error = None
    try:
        client.execute()
    except CellExecutionError as e:
        idx = next((i for i, c in enumerate(nb.cells) if c is getattr(e, "cell", None)), None)
        found = first_error(nb)
        if found:
            idx, msg = found
        else:
            msg = str(e).strip().splitlines()[-1] if str(e).strip() else repr(e)
        error = f"cell {idx}: {msg}"
    except CellTimeoutError as e:
        error = f"timeout: {str(e).strip().splitlines()[0]}"
    except Exception as e:  # kernel died, bad JSON, ...
        error = f"{type(e).__name__}: {e}"
    if error is None:
        found = first_error(nb)
        if found:
            error = f"cell {found[0]}: {found[1]}"
    if error is None and value_cells(nb):
        error = (f"cell(s) {value_cells(nb)} end with a value (execute_result): end them with "
                 "`await display(...)`")
    return nb, error, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notebooks", nargs="*")
    ap.add_argument("--deno", default=None, help="deno executable for the kernel")
    ap.add_argument("--write", action="store_true", help="store outputs back into the notebooks")
    ap.add_argument("--out", default=None, help="write executed copies into this folder")
    ap.add_argument("--timeout", type=int, default=1200, help="per-cell timeout in seconds")
    ap.add_argument("--grace", type=float, default=0.2, help="seconds to listen after idle")
    args = ap.parse_args()

    deno = find_deno(args.deno)
    paths = collect(args.notebooks)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    os.environ["NO_COLOR"] = "1"
    failures = []
    t_all = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bnn_kernels_") as kroot:
        make_kernelspec(deno, kroot)
        os.environ["JUPYTER_PATH"] = kroot + os.pathsep + os.environ.get("JUPYTER_PATH", "")
        for path in paths:
            nb, error, dt = run_one(path, args)
            status = "ok" if error is None else "FAILED"
            print(f"{status:6} {path.name} ({dt:.1f} s){'' if error is None else ': ' + error}",
                  flush=True)
            if error is not None:
                failures.append(f"{path}: {error}")
                continue
            strip_volatile(nb)
            if args.out:
                Path(args.out).mkdir(parents=True, exist_ok=True)
                write_atomic(nb, Path(args.out) / path.name)
            if args.write:
                write_atomic(strip_plotly_loader(nb), path)
    print(f"{len(paths) - len(failures)} of {len(paths)} notebooks ok in "
          f"{time.monotonic() - t_all:.1f} s (late IOPub messages caught: "
          f"{GraceClient.late_messages}{': ' if GraceClient.late_kinds else ''}"
          f"{', '.join(GraceClient.late_kinds)})")
    if failures:
        print("notebook failures:\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
