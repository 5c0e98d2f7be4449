"""infra/ checked without a container engine or a cluster: every file is parsed, and cross-checked
against the others, pipelines.yaml, pyproject.toml, the Makefile, the README and the installed
packages. Nothing is built or started here (the development machines have no container engine).

Each check is a function that returns the problems it finds (empty: fine). The tests run it on
the real files, and `test_checks_catch_broken_copies` runs it on copies broken on purpose, so
that no check passes whatever the files say.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import shlex
import tomllib
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from claimvlm.orchestration import Pipelines, load_pipelines
from tests.infra_checks import (  # the checkers and the paths they read
    COMPOSE,
    DOCKER,
    DOCKERIGNORE,
    ENV_EXAMPLE,
    GPU_TEMPLATE,
    INFRA,
    INIT_SQL,
    K8S,
    K8S_SECRET,
    K8S_WORKER,
    ROOT,
    SERVICES,
    _broken,
    check_buckets,
    check_depends_on,
    check_env_coverage,
    check_no_secrets,
    check_ports_and_urls,
    check_secret_values,
    check_template,
    check_worker_pools,
    command_args,
    compose_workers,
    dockerfile,
    dockerfile_args,
    exec_form,
    expand,
    gpu_pool,
    interpolate,
    listening_ports,
    option,
    pip_installs,
    published,
    read_env_file,
    read_yaml,
)

# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def compose() -> dict:
    return read_yaml(COMPOSE)


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="module")
def effective(compose, env_example) -> dict:
    return interpolate(compose, env_example)


@pytest.fixture(scope="module")
def pipelines() -> Pipelines:
    return load_pipelines(ROOT / "pipelines.yaml")


@pytest.fixture(scope="module")
def template() -> dict:
    return json.loads(GPU_TEMPLATE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def k8s_docs() -> list[dict]:
    return [d for d in yaml.safe_load_all(K8S_WORKER.read_text(encoding="utf-8")) if d]


@pytest.fixture(scope="module")
def k8s_secret() -> dict:
    return read_yaml(K8S_SECRET)


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- tests: compose


def test_compose_services_and_env_file(compose, env_example):
    assert SERVICES <= set(compose["services"]), f"missing services {sorted(SERVICES - set(compose['services']))}"
    assert check_env_coverage(compose, env_example) == []


def test_compose_ports_match_the_urls_services_use(effective):
    listen = listening_ports(effective)
    assert listen["prefect-server"] == {4200} and listen["mlflow"] == {5000} and listen["minio"] == {9000, 9001}
    assert check_ports_and_urls(effective) == []


def test_buckets_mlflow_and_dvc_use_are_created(effective):
    worker_args = effective["services"]["worker"]["build"].get("args", {})
    remotes = [effective["services"][w]["build"]["args"]["DVC_REMOTE_URL"] for w in ("worker", "worker-cpu")]
    assert check_buckets(effective, remotes + [readme_dvc_remote()]) == []
    endpoint = urlsplit(worker_args["DVC_REMOTE_ENDPOINT"])
    assert (endpoint.hostname, endpoint.port) == ("minio", 9000)


def test_work_pools_are_the_ones_pipelines_yaml_declares(effective, k8s_docs, pipelines):
    assert check_worker_pools(effective, k8s_docs, pipelines) == []
    # The worker image's default command polls a declared pool too.
    cmd = next(exec_form(r) for i, r in dockerfile(DOCKER / "worker.Dockerfile") if i == "CMD")
    assert option(cmd, "--pool") in {p.name for p in pipelines.work_pools}


def test_gpu_worker_reserves_nvidia_gpus(effective, pipelines):
    name = next(n for n, a in compose_workers(effective).items() if option(a, "--pool") == gpu_pool(pipelines))
    devices = effective["services"][name]["deploy"]["resources"]["reservations"]["devices"]
    assert any(d.get("driver") == "nvidia" and "gpu" in d.get("capabilities", []) for d in devices)


def test_depends_on(compose):
    assert check_depends_on(compose) == []


def test_workers_get_services_credentials_and_shared_state(effective):
    svc = effective["services"]
    for w in ("worker", "worker-cpu"):
        env = svc[w]["environment"]
        for var in ("PREFECT_API_URL", "MLFLOW_TRACKING_URI", "MLFLOW_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
                    "AWS_SECRET_ACCESS_KEY", "CLAIMVLM_PSEUDONYM_KEY"):
            assert env.get(var), f"{w}: {var} missing"
    # One set of DVC outputs and cache: what the CPU worker builds, the GPU worker trains on.
    assert svc["worker"]["volumes"] == svc["worker-cpu"]["volumes"]
    declared = set(effective.get("volumes") or {})
    for name, s in svc.items():
        for v in s.get("volumes", []):
            source = str(v).split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name}: volume {source} is not declared"
    for name in ("postgres", "minio", "worker"):
        assert any(str(v).split(":")[0] in declared for v in svc[name].get("volumes", [])), f"{name}: no named volume"


def test_postgres_init_creates_what_the_servers_connect_to(compose, effective):
    svc = compose["services"]
    sql = INIT_SQL.read_text(encoding="utf-8")
    getenv = dict(re.findall(r"\\getenv (\w+) (\w+)", sql))  # psql variable -> environment variable
    roles = dict(re.findall(r"CREATE ROLE (\w+) LOGIN PASSWORD :'(\w+)'", sql))  # role -> psql variable
    databases = set(re.findall(r"CREATE DATABASE (\w+)", sql)) | {svc["postgres"]["environment"]["POSTGRES_DB"]}
    mounts = [v for v in svc["postgres"]["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert mounts and (COMPOSE.parent / mounts[0].split(":")[0]).resolve() == INIT_SQL
    for var in getenv.values():
        assert var in svc["postgres"]["environment"], f"init.sql reads ${var}, not passed to postgres"
    urls = {"prefect-server": svc["prefect-server"]["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"],
            "mlflow": option(command_args(svc["mlflow"]["command"]), "--backend-store-uri")}
    for service, url in urls.items():
        m = re.fullmatch(r"(?P<scheme>[\w+]+)://(?P<user>\w+):\$\{(?P<var>\w+)[^}]*\}@(?P<host>[\w-]+):(?P<port>\d+)/"
                         r"(?P<db>\w+)", url)
        assert m, f"{service}: unexpected database URL {url}"
        assert m["host"] == "postgres" and m["db"] in databases
        assert m["user"] in roles, f"{service} logs in as {m['user']}, which init.sql does not create"
        assert getenv[roles[m["user"]]] == m["var"], f"{service}: the URL's password is not the role's"
    assert urls["prefect-server"].startswith("postgresql+asyncpg://"), "Prefect's server needs the asyncpg driver"
    assert urls["mlflow"].startswith("postgresql://")


def test_builds_and_image_versions(compose):
    for name, service in compose["services"].items():
        if "build" in service:
            context = (COMPOSE.parent / service["build"]["context"]).resolve()
            assert (context / service["build"]["dockerfile"]).is_file(), f"{name}: no Dockerfile"
    prefect = importlib.metadata.version("prefect")
    image = compose["services"]["prefect-server"]["image"]
    m = re.fullmatch(r"prefecthq/prefect:(\d+\.\d+\.\d+)-python3\.\d+", image)
    assert m, image
    assert Version(m[1]).release[:2] == Version(prefect).release[:2], f"server {m[1]} vs installed prefect {prefect}"
    for df in ("worker.Dockerfile", "train.Dockerfile"):
        assert dockerfile_args(dockerfile(DOCKER / df))["PREFECT_VERSION"] == m[1], f"{df}: another prefect"
    mlflow = dockerfile_args(dockerfile(DOCKER / "mlflow.Dockerfile"))["MLFLOW_VERSION"]
    assert Version(mlflow).release[:2] == Version(importlib.metadata.version("mlflow")).release[:2]
    assert compose["services"]["mlflow"]["image"].endswith(":" + mlflow)
    installs = " ".join(" ".join(a) for a in pip_installs(dockerfile(DOCKER / "mlflow.Dockerfile")))
    for pkg in ("mlflow==", "psycopg2-binary==", "boto3=="):
        assert pkg in installs, f"mlflow.Dockerfile does not pin {pkg}"


# ---------------------------------------------------------------- tests: Dockerfiles


def makefile_setup() -> tuple[str, list[str]]:
    """The Makefile's TORCH_VERSION and the arguments of its project install."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    torch = re.search(r"^TORCH_VERSION \?= (\S+)", text, re.MULTILINE)[1]
    line = next(line for line in text.splitlines() if "pip install" in line and " -e " in line)
    make_vars = dict(re.findall(r"^(\w+) :?= (\S+)$", text, re.MULTILINE))  # e.g. LOCK := constraints.txt
    line = re.sub(r"\$\((\w+)\)", lambda m: make_vars.get(m[1], m[0]), line)
    # `uv pip install --python VENV ...`: which interpreter is the installer's business, not the install's
    line = re.sub(r"--python \S+ ", "", line)
    return torch, shlex.split(line.split("pip install", 1)[1])


def test_worker_image_installs_what_the_readme_installs(pyproject):
    instrs = dockerfile(DOCKER / "worker.Dockerfile")
    args = dockerfile_args(instrs)
    torch, make_args = makefile_setup()
    assert args["TORCH_VERSION"] == torch
    # e.g. ['-e', '.[dev]']; --compile-bytecode is uv's opt-in for what pip in the image does by default
    project = [a for a in make_args if not a.startswith("-q") and a != "--compile-bytecode"]
    installs = [[expand(t, args) for t in i] for i in pip_installs(instrs)]
    i_torch = next(i for i, a in enumerate(installs) if f"torch=={torch}" in a)
    i_project = next((i for i, a in enumerate(installs) if all(t in a for t in project)), None)
    assert i_project is not None, f"worker.Dockerfile never runs pip install {' '.join(project)} (Makefile setup)"
    assert i_torch < i_project, "torch must go in first and alone, as the Makefile's set-up does"
    assert len(installs[i_torch]) <= 3, "torch is installed with other packages"
    assert any(i == "RUN" and "infra/system-deps.sh" in r and "fonts" in r and "ocr" in r for i, r in instrs)
    assert any(i == "COPY" and "infra/system-deps.sh" in r for i, r in instrs)
    torch_spec = next(d for d in pyproject["project"]["dependencies"] if re.match(r"torch\b", d))
    assert Version(torch) in SpecifierSet(torch_spec.removeprefix("torch")), f"{torch} outside {torch_spec}"


def test_train_image(pyproject):
    instrs = dockerfile(DOCKER / "train.Dockerfile")
    args = dockerfile_args(instrs)
    base = expand(next(r for i, r in instrs if i == "FROM"), args)
    assert base.startswith(("nvidia/cuda:", "pytorch/pytorch:")), f"not a CUDA base: {base}"
    assert args["TORCH_VERSION"] == makefile_setup()[0]
    entry = next(exec_form(r) for i, r in instrs if i == "ENTRYPOINT")
    assert entry == ["claimvlm"] and "claimvlm" in pyproject["project"]["scripts"]
    installs = [[expand(t, args) for t in i] for i in pip_installs(instrs)]
    flat = [t for i in installs for t in i]
    assert any(t.startswith("bitsandbytes") for t in flat), "no bitsandbytes (QLoRA)"
    extras = set(pyproject["project"].get("optional-dependencies", {}))
    gpu_extras = extras & {"gpu", "cuda", "train", "qlora", "training"}
    targets = [t for t in flat if t == "." or t.startswith(".[")]
    assert targets, "train.Dockerfile does not install the project"
    named = {e for t in targets for e in re.findall(r"[\w-]+", t.partition("[")[2])}
    assert named <= extras, f"installs extras {sorted(named - extras)} that pyproject.toml does not define"
    assert gpu_extras <= named, f"pyproject's GPU extras {sorted(gpu_extras - named)} are not installed"
    assert any(i == "RUN" and "infra/system-deps.sh" in r for i, r in instrs)
    # The accelerate configs travel with the project; no copy of them lives anywhere else.
    assert "infra/accelerate" in (DOCKER / "train.Dockerfile").read_text(encoding="utf-8")
    assert (INFRA / "accelerate" / "ddp.yaml").is_file()
    for path in INFRA.rglob("*"):
        if path.suffix in (".yaml", ".yml") and "accelerate" not in path.parts:
            assert "distributed_type" not in path.read_text(encoding="utf-8"), f"{path}: an accelerate config copy"


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule, for plain patterns: the last pattern matching the path or a folder above it wins."""
    from fnmatch import fnmatchcase

    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    ignored = False
    for p in patterns:
        negate = p.startswith("!")
        pat = p.lstrip("!").strip("/")
        if any(fnmatchcase(prefix, pat) for prefix in prefixes):
            ignored = not negate
    return ignored


def test_dockerignore_keeps_secrets_and_state_out_and_the_project_in():
    patterns = [line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")]
    for path in (".git/HEAD", ".venv/bin/python", "data/synth/x.png", "models/train/model/w.pt",
                 "mlflow/mlflow.db", "mlflow/artifacts/1/x", ".dvc/cache/files/md5/ab/cd", ".secrets/pseudonym.key",
                 "infra/.env", ".dvcstore/files/md5/ab/cd", ".dvcstore-raw/files/md5/ab/cd"):
        assert dockerignored(path, patterns), f".dockerignore lets {path} into the images"
    for path in ("pyproject.toml", "README.md", "tasks/cli.py", "flows/pipelines.py", "dvc.yaml", "dvc.lock",
                 "params.yaml", "pipelines.yaml", "pinned_splits.json", ".dvc/config", "infra/system-deps.sh",
                 "infra/accelerate/ddp.yaml"):
        assert not dockerignored(path, patterns), f".dockerignore keeps {path} out of the images"


# ---------------------------------------------------------------- tests: Kubernetes


def k8s_namespace(k8s_docs: list[dict]) -> str:
    return next(d["metadata"]["name"] for d in k8s_docs if d["kind"] == "Namespace")


def test_gpu_work_pool_template(template, k8s_docs, k8s_secret, effective):
    entry = next(exec_form(r) for i, r in dockerfile(DOCKER / "train.Dockerfile") if i == "ENTRYPOINT")
    problems = check_template(template, secret=k8s_secret, namespace=k8s_namespace(k8s_docs),
                              mlflow_port=next(iter(listening_ports(effective)["mlflow"])), train_entrypoint=entry)
    assert problems == []


def test_gpu_work_pool_template_passes_prefects_own_validation(template):
    # What the Prefect server runs on `prefect work-pool create --base-job-template`.
    from prefect.server.schemas.actions import WorkPoolCreate

    WorkPoolCreate(name="claimvlm-gpu", type="kubernetes", base_job_template=template)


def test_k8s_worker(k8s_docs, k8s_secret, effective, pipelines):
    kinds = {d["kind"]: d for d in k8s_docs}
    assert {"Namespace", "ServiceAccount", "Role", "RoleBinding", "Deployment"} <= set(kinds)
    ns = k8s_namespace(k8s_docs)
    for d in k8s_docs:
        if d["kind"] != "Namespace":
            assert d["metadata"].get("namespace") == ns, f"{d['kind']} {d['metadata']['name']} outside {ns}"
    assert k8s_secret["metadata"]["namespace"] == ns
    rules = kinds["Role"]["rules"]

    def allowed(group: str, resource: str, verb: str) -> bool:
        return any(group in r["apiGroups"] and resource in r["resources"] and verb in r["verbs"] for r in rules)

    for verb in ("create", "get", "list", "watch", "delete"):
        assert allowed("batch", "jobs", verb), f"the worker may not {verb} jobs"
    for resource in ("pods", "pods/log"):
        for verb in ("get", "list", "watch"):
            assert allowed("", resource, verb), f"the worker may not {verb} {resource}"
    binding = kinds["RoleBinding"]
    sa = kinds["ServiceAccount"]["metadata"]["name"]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                  "name": kinds["Role"]["metadata"]["name"]}
    assert {"kind": "ServiceAccount", "name": sa, "namespace": ns} in binding["subjects"]
    pod = kinds["Deployment"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == sa
    c = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in c["env"]}
    api = urlsplit(env["PREFECT_API_URL"])
    assert api.port == next(iter(listening_ports(effective)["prefect-server"])) and api.path == "/api"
    # A namespaced Role cannot read kube-system, which the worker does unless it is given a cluster id.
    assert env.get("PREFECT_KUBERNETES_CLUSTER_UID") or env.get("PREFECT_INTEGRATIONS_KUBERNETES_CLUSTER_UID")
    assert json.loads(env["PREFECT_INTEGRATIONS_KUBERNETES_OBSERVER_NAMESPACES"]) == [ns]
    m = re.fullmatch(r"prefecthq/prefect:(\d+\.\d+\.\d+)-python3\.\d+-kubernetes", c["image"])
    assert m and m[1] == dockerfile_args(dockerfile(DOCKER / "worker.Dockerfile"))["PREFECT_VERSION"]
    assert Version(m[1]).release[:2] == Version(importlib.metadata.version("prefect")).release[:2]


# ---------------------------------------------------------------- tests: secrets


def infra_texts() -> dict[str, str]:
    paths = [p for p in INFRA.rglob("*") if p.is_file() and p.name != ".env"] + [DOCKERIGNORE]
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8", errors="replace") for p in paths}


def test_no_secret_values_in_tracked_files(env_example, compose, k8s_secret, k8s_docs):
    assert check_no_secrets(infra_texts()) == []
    assert check_secret_values(env_example, compose, k8s_secret, k8s_docs) == []


# ---------------------------------------------------------------- tests: the production docs


def readme_section() -> str:
    """The one-host stack's section of docs/production.md (the README links there)."""
    text = (ROOT / "docs" / "production.md").read_text(encoding="utf-8")
    start = text.index("## One-host production stack (`infra/`)")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def readme_dvc_remote() -> str:
    return re.search(r"dvc remote add -d \S+ (s3://\S+?)[`\s]", readme_section())[1]


def test_readme_subsection_matches_the_files(effective, pipelines):
    section = readme_section()
    for path in re.findall(r"\binfra/[\w./-]+\.(?:yml|yaml|json|example|Dockerfile)\b", section):
        assert (ROOT / path).exists(), f"README names {path}, which does not exist"
    m = re.search(r"prefect work-pool create (\S+) --type (\S+) --base-job-template (\S+?)[`\s]", section)
    assert m and m[1] == gpu_pool(pipelines) and m[2] == "kubernetes" and (ROOT / m[3]).is_file()
    endpoint = re.search(r"dvc remote modify \S+ endpointurl (http://\S+?)[`\s]", section)[1]
    minio_host = published(effective["services"]["minio"])[9000]
    assert urlsplit(endpoint).port == minio_host
    assert "tests/test_infra.py" in section
    assert "docker compose -f infra/docker-compose.yml --env-file infra/.env" in section


# ---------------------------------------------------------------- the checks can fail


def test_checks_catch_broken_copies(compose, env_example, effective, pipelines, k8s_docs, template, k8s_secret):
    ns = k8s_namespace(k8s_docs)
    tmpl = {"secret": k8s_secret, "namespace": ns, "mlflow_port": 5000, "train_entrypoint": ["claimvlm"]}
    svc = ("services",)
    cases: list[tuple[str, Callable[[], list[str]]]] = [
        ("env var not in .env.example",
         lambda: check_env_coverage(compose, {k: v for k, v in env_example.items() if k != "MLFLOW_DB_PASSWORD"})),
        ("stale .env.example entry", lambda: check_env_coverage(compose, {**env_example, "UNUSED": "x"})),
        ("worker points at the wrong MLflow port",
         lambda: check_ports_and_urls(_broken(effective, svc + ("worker", "environment", "MLFLOW_TRACKING_URI"),
                                              "http://mlflow:5001"))),
        ("prefect API URL without /api",
         lambda: check_ports_and_urls(_broken(effective, svc + ("worker-cpu", "environment", "PREFECT_API_URL"),
                                              "http://prefect-server:4200"))),
        ("MLflow not published", lambda: check_ports_and_urls(_broken(effective, svc + ("mlflow", "ports"), []))),
        ("MLflow rejects the workers' Host",
         lambda: check_ports_and_urls(_broken(effective, svc + ("mlflow", "command"),
                                              [a if a != "mlflow:5000,localhost:5000,127.0.0.1:5000"
                                               else "localhost:5000" for a in effective["services"]["mlflow"]["command"]]))),
        ("artifact bucket not created",
         lambda: check_buckets(_broken(effective, svc + ("minio-init", "command"), ["mc mb local/other"]), [])),
        ("DVC remote in another bucket", lambda: check_buckets(effective, ["s3://nowhere/store"])),
        ("worker polls an undeclared pool",
         lambda: check_worker_pools(_broken(effective, svc + ("worker-cpu", "command"),
                                            ["prefect", "worker", "start", "--pool", "nope", "--type", "process"]),
                                    k8s_docs, pipelines)),
        ("worker type differs from pipelines.yaml",
         lambda: check_worker_pools(_broken(effective, svc + ("worker", "command"),
                                            ["prefect", "worker", "start", "--pool", gpu_pool(pipelines),
                                             "--type", "docker"]), k8s_docs, pipelines)),
        ("GPU worker without GPUs",
         lambda: check_worker_pools(_broken(effective, svc + ("worker", "deploy"), {}), k8s_docs, pipelines)),
        ("k8s worker polls the CPU pool",
         lambda: check_worker_pools(effective, [yaml.safe_load(yaml.safe_dump(d).replace(
             gpu_pool(pipelines), "claimvlm-process")) for d in k8s_docs], pipelines)),
        ("depends_on an unknown service",
         lambda: check_depends_on(_broken(compose, svc + ("worker", "depends_on", "redis"),
                                          {"condition": "service_started"}))),
        ("waits for a healthcheck that does not exist",
         lambda: check_depends_on(_broken(compose, svc + ("postgres", "healthcheck"), delete=True))),
        ("undeclared template variable",
         lambda: check_template(_broken(template, ("variables", "properties", "gpu_count"), delete=True), **tmpl)),
        ("no GPU limit",
         lambda: check_template(_broken(template, ("job_configuration", "job_manifest", "spec", "template", "spec",
                                                   "containers", 0, "resources", "limits"), {}), **tmpl)),
        ("no toleration",
         lambda: check_template(_broken(template, ("job_configuration", "job_manifest", "spec", "template", "spec",
                                                   "tolerations"), []), **tmpl)),
        ("entrypoint not overridden",
         lambda: check_template(_broken(template, ("job_configuration", "job_manifest", "spec", "template", "spec",
                                                   "containers", 0, "command"), delete=True), **tmpl)),
        ("secret key the job does not read",
         lambda: check_template(template, **{**tmpl, "secret": _broken(k8s_secret, ("stringData", "EXTRA"),
                                                                        "change-me")})),
        ("bad default", lambda: check_template(_broken(template, ("variables", "properties", "gpu_count", "default"),
                                                       0), **tmpl)),
        ("real password in .env.example",
         lambda: check_secret_values({**env_example, "POSTGRES_PASSWORD": "hunter2"}, compose, k8s_secret, k8s_docs)),
        ("password written in compose",
         lambda: check_secret_values(env_example, _broken(compose, svc + ("postgres", "environment",
                                                                         "POSTGRES_PASSWORD"), "hunter2"),
                                     k8s_secret, k8s_docs)),
        ("real value in the secret example",
         lambda: check_secret_values(env_example, compose,
                                     _broken(k8s_secret, ("stringData", "AWS_SECRET_ACCESS_KEY"), "wJalrXUtnFEMI"),
                                     k8s_docs)),
        ("a key in a file", lambda: check_no_secrets({"x": "KEY=" + "ab12" * 16})),
    ]
    quiet = [name for name, check in cases if not check()]
    assert quiet == [], f"checks that did not notice: {quiet}"


def test_secrets_and_local_stores_are_kept_out_of_git():
    import subprocess

    for path in ("infra/.env", "infra/k8s/secrets.yaml", "mlflow.db", ".secrets/api_keys.json",
                 ".dvcstore-raw/files/md5/ab/cd", "feedback/feedback.db", "infra/secrets/api_keys.json"):
        ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT, check=False)
        assert ignored.returncode == 0, f".gitignore lets {path} into git"


def test_the_service_pods_admit_only_the_gateway_and_prometheus():
    docs = [d for d in yaml.safe_load_all((INFRA / "k8s" / "serve.yaml").read_text(encoding="utf-8")) if d]
    policy = next(d for d in docs if d["kind"] == "NetworkPolicy")
    deploy = next(d for d in docs if d["kind"] == "Deployment")
    labels = deploy["spec"]["template"]["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in policy["spec"]["podSelector"]["matchLabels"].items())
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    (rule,) = policy["spec"]["ingress"]
    assert [p["port"] for p in rule["ports"]] == [8000] and len(rule["from"]) == 2
    prom = read_yaml(INFRA / "prometheus" / "prometheus.yml")
    job = next(j for j in prom["scrape_configs"] if j["job_name"] == "claimvlm-serve")
    assert job["authorization"]["credentials_file"]  # /metrics needs a key with the metrics scope


def test_mlflow_asks_every_client_to_sign_in(effective, template, k8s_secret):
    """The server runs the basic-auth app on the repository's ini, and every client of it (workers,
    the service, the accounts job; the Kubernetes GPU jobs and service pods) carries a user."""
    svc = effective["services"]
    mlflow = svc["mlflow"]
    assert option(command_args(mlflow["command"]), "--app-name") == "basic-auth"
    mounted = {str(v).split(":")[1]: str(v).split(":")[0] for v in mlflow["volumes"]}
    ini = mlflow["environment"]["MLFLOW_AUTH_CONFIG_PATH"]
    assert mounted.get(ini, "").endswith("mlflow/basic_auth.ini")
    assert mlflow["environment"]["MLFLOW_AUTH_ADMIN_PASSWORD"] and mlflow["environment"]["MLFLOW_FLASK_SERVER_SECRET_KEY"]
    for name, service in svc.items():
        env = service.get("environment") or {}
        if "MLFLOW_TRACKING_URI" in env:
            assert env.get("MLFLOW_TRACKING_USERNAME") and env.get("MLFLOW_TRACKING_PASSWORD"), name
    job_env = {e["name"] for e in template["job_configuration"]["job_manifest"]["spec"]["template"]["spec"]
               ["containers"][0]["env"]}
    assert {"MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"} <= job_env <= {"MLFLOW_TRACKING_URI"} | set(
        k8s_secret["stringData"])
    serve_docs = [d for d in yaml.safe_load_all((K8S / "serve.yaml").read_text(encoding="utf-8")) if d]
    serve = next(d for d in serve_docs if d.get("kind") == "Deployment")
    serve_env = {e["name"] for e in serve["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert {"MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"} <= serve_env
