"""The Dockerfile: multi-stage, slim, non-root, `m365-inventory run` as the entry.

No Docker engine runs on the project's machines, so the image is not built here; these checks
keep the file honest about what the chart and the package expect of it.
"""

from __future__ import annotations

import json
import re
import tomllib

from ops_tools import ROOT, find, render

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    return re.findall(rf"^{name}\s+(.+)$", DOCKERFILE, flags=re.MULTILINE)


def test_multi_stage_on_a_slim_base() -> None:
    stages = instructions("FROM")
    assert len(stages) == 2
    assert stages[0].endswith(" AS build")
    assert "COPY --from=build /opt/m365-inventory /opt/m365-inventory" in DOCKERFILE
    (base,) = re.findall(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE, flags=re.MULTILINE)
    assert "slim" in base
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert base.startswith(f"python:{project['requires-python'].removeprefix('>=')}")


def test_runs_as_a_numeric_non_root_user() -> None:
    (user,) = instructions("USER")
    uid, gid = (int(part) for part in user.split(":"))
    assert uid != 0
    assert gid != 0
    (deployment,) = find(render(), "Deployment")
    pod = deployment["spec"]["template"]["spec"]["securityContext"]
    assert (pod["runAsUser"], pod["runAsGroup"]) == (uid, gid)


def test_entry_point_is_the_operator_command() -> None:
    (entrypoint,) = instructions("ENTRYPOINT")
    (cmd,) = instructions("CMD")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert json.loads(entrypoint) == ["m365-inventory"]
    assert "m365-inventory" in project["scripts"]
    assert json.loads(cmd)[0] == "run"
    (deployment,) = find(render(), "Deployment")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["args"][0] == "run"


def test_build_context_holds_what_the_build_copies() -> None:
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE, flags=re.MULTILINE):
        for path in source.split():
            assert (ROOT / path).exists(), path
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignored[1] == "*"
    for path in ("pyproject.toml", "README.md", "crds/", "operator/"):
        assert f"!{path}" in ignored
