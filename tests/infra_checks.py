"""The infra checkers: readers of compose, Dockerfiles and Kubernetes files, and checks that each
return the problems they find (empty: fine). tests/test_infra.py runs them on the real files and on
copies broken on purpose; tests/test_infra_serving.py builds on them."""

from __future__ import annotations

import copy
import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import ValidationError

from claimvlm.orchestration import Pipelines, WorkPool

ROOT = Path(__file__).resolve().parents[1]
INFRA = ROOT / "infra"
COMPOSE = INFRA / "docker-compose.yml"
ENV_EXAMPLE = INFRA / ".env.example"
INIT_SQL = INFRA / "postgres" / "init.sql"
DOCKER = INFRA / "docker"
K8S = INFRA / "k8s"
GPU_TEMPLATE = K8S / "gpu-work-pool.json"
K8S_WORKER = K8S / "prefect-worker.yaml"
K8S_SECRET = K8S / "secrets.example.yaml"
DOCKERIGNORE = ROOT / ".dockerignore"

# Where services listen when their command does not say (Prefect's comes from the installed
# package below; MinIO's S3 API and Postgres are fixed by their images).
DEFAULT_PORTS = {"postgresql": 5432, "http": 80, "https": 443}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|PSEUDONYM_KEY|TOKEN|API_KEY")
PLACEHOLDER = re.compile(r"^change-me")
SERVICES = {"postgres", "prefect-server", "minio", "minio-init", "mlflow", "worker", "worker-cpu"}


# ---------------------------------------------------------------- readers


def read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def read_env_file(path: Path) -> dict[str, str]:
    env = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key), f"{path}:{n}: not KEY=VALUE: {line!r}"
        env[key] = value
    return env


def strings(node: Any) -> Iterator[str]:
    """Every string in a parsed YAML/JSON document, keys included."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR:+alt}, $VAR; `$$` is a literal `$`.
_VAR = re.compile(r"\$(?:\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
                  r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")


def compose_variables(compose: dict) -> set[str]:
    found = set()
    for s in strings(compose):
        for m in _VAR.finditer(s.replace("$$", "")):
            found.add(m["name"] or m["bare"])
    return found


def interpolate(node: Any, env: dict[str, str]) -> Any:
    """What `docker compose --env-file` makes of the file with these variables."""
    if isinstance(node, dict):
        return {interpolate(k, env): interpolate(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(v, env) for v in node]
    if not isinstance(node, str):
        return node

    def one(m: re.Match) -> str:
        name, op, arg = m["name"] or m["bare"], m["op"], m["arg"]
        value = env.get(name)
        if op in (":-", ":?", ":+"):
            value = value or None
        if op and op.endswith("-") and value is None:
            return arg
        if op and op.endswith("?") and value is None:
            raise KeyError(f"required variable {name} is not set: {arg}")
        if op and op.endswith("+"):
            return arg if value is not None else ""
        return value or ""

    parts = node.split("$$")
    return "$".join(_VAR.sub(one, p) for p in parts)


def command_args(cmd: Any) -> list[str]:
    if cmd is None:
        return []
    return shlex.split(cmd) if isinstance(cmd, str) else [str(c) for c in cmd]


def option(args: list[str], name: str) -> str | None:
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def dockerfile(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out, buf = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not buf):
            continue
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        instr, _, rest = buf.partition(" ")
        out.append((instr.upper(), rest.strip()))
        buf = ""
    return out


def dockerfile_args(instrs: list[tuple[str, str]]) -> dict[str, str]:
    args: dict[str, str] = {}
    for instr, rest in instrs:
        if instr == "ARG" and "=" in rest:
            name, value = rest.split("=", 1)
            args.setdefault(name, value.strip().strip('"'))
    return args


def expand(text: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: variables.get(m[1], m[0]), text)


def pip_installs(instrs: list[tuple[str, str]]) -> list[list[str]]:
    """The arguments of each `pip install` in RUN instructions, in order."""
    found = []
    for instr, rest in instrs:
        if instr != "RUN":
            continue
        lexer = shlex.shlex(rest, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        cmd: list[str] = []
        for token in [*lexer, ";"]:
            if token in ("&&", "||", ";", "|"):
                if "pip" in cmd and "install" in cmd:
                    found.append(cmd[cmd.index("install") + 1:])
                cmd = []
            else:
                cmd.append(token)
    return found


def exec_form(rest: str) -> list[str]:
    return json.loads(rest) if rest.startswith("[") else shlex.split(rest)


def url_in(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z0-9+.-]*://[^\s\"',]+", text)



def installed_prefect_port() -> int:
    from prefect.settings.models.server.api import ServerAPISettings

    return int(ServerAPISettings.model_fields["port"].default)


def gpu_pool(pipelines: Pipelines) -> str:
    """The pool of the deployments tagged `gpu` (one, or the GPU pool is ambiguous)."""
    pools = {d.work_pool for d in pipelines.deployments if "gpu" in d.tags}
    assert len(pools) == 1, f"pipelines.yaml: deployments tagged gpu use pools {sorted(pools)}, expected one"
    return pools.pop()


# ---------------------------------------------------------------- checks (each returns problems)


def check_env_coverage(compose: dict, env: dict[str, str]) -> list[str]:
    used = compose_variables(compose)
    return ([f"docker-compose.yml uses ${{{v}}}, which infra/.env.example does not set" for v in sorted(used - set(env))]
            + [f"infra/.env.example sets {v}, which docker-compose.yml does not use" for v in sorted(set(env) - used)])


def listening_ports(effective: dict) -> dict[str, set[int]]:
    """The ports each server listens on inside the compose network, read from its command."""
    svc = effective["services"]
    ports: dict[str, set[int]] = {}
    args = command_args(svc["prefect-server"].get("command"))
    ports["prefect-server"] = {int(option(args, "--port") or installed_prefect_port())}
    args = command_args(svc["mlflow"].get("command"))
    ports["mlflow"] = {int(option(args, "--port") or 5000)}
    args = command_args(svc["minio"].get("command"))
    api = option(args, "--address") or ":9000"
    console = option(args, "--console-address")
    ports["minio"] = {int(api.rsplit(":", 1)[1])} | ({int(console.rsplit(":", 1)[1])} if console else set())
    ports["postgres"] = {5432}
    return ports


def published(service: dict) -> dict[int, int]:
    """container port -> host port of a service's `ports`."""
    out = {}
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            out[int(entry["target"])] = int(entry.get("published", entry["target"]))
            continue
        parts = str(entry).split("/")[0].split(":")
        out[int(parts[-1])] = int(parts[-2]) if len(parts) > 1 else int(parts[-1])
    return out


def check_ports_and_urls(effective: dict) -> list[str]:
    svc = effective["services"]
    listen = listening_ports(effective)
    problems = []
    # Every URL a service uses to reach another service names a port that service listens on.
    for name, service in svc.items():
        texts = list(strings(service.get("environment", {}))) + command_args(service.get("command"))
        for text in texts:
            for url in url_in(text):
                parts = urlsplit(url)
                if parts.hostname in svc:
                    port = parts.port or DEFAULT_PORTS.get(parts.scheme.split("+")[0])
                    if port not in listen.get(parts.hostname, set()):
                        problems.append(f"{name}: {url} uses port {port}, but {parts.hostname} listens on "
                                        f"{sorted(listen.get(parts.hostname, set()))}")
    # What the README and the users' browsers reach is published on the host.
    for name in ("prefect-server", "mlflow", "minio"):
        missing = listen[name] - set(published(svc[name]))
        if missing:
            problems.append(f"{name} listens on {sorted(missing)} but does not publish it")
    # The URLs the workers are given are the servers'.
    expect = {"PREFECT_API_URL": ("prefect-server", "/api"), "MLFLOW_TRACKING_URI": ("mlflow", ""),
              "MLFLOW_S3_ENDPOINT_URL": ("minio", "")}
    for worker in ("worker", "worker-cpu"):
        env = svc[worker].get("environment", {})
        for var, (host, path) in expect.items():
            if var not in env:
                problems.append(f"{worker}: {var} is not set")
                continue
            parts = urlsplit(env[var])
            if parts.hostname != host or parts.port not in listen[host] or parts.path.rstrip("/") != path:
                problems.append(f"{worker}: {var}={env[var]} is not {host}:{sorted(listen[host])}{path}")
    # The UI's API URL is the host's published Prefect port.
    ui = svc["prefect-server"].get("environment", {}).get("PREFECT_UI_API_URL")
    host_port = published(svc["prefect-server"]).get(next(iter(listen["prefect-server"])))
    if ui and (urlsplit(ui).port != host_port or urlsplit(ui).path.rstrip("/") != "/api"):
        problems.append(f"prefect-server: PREFECT_UI_API_URL={ui} is not the published port {host_port} /api")
    # MLflow's Host-header guard accepts the names the workers and the browser use.
    allowed = set((option(command_args(svc["mlflow"]["command"]), "--allowed-hosts") or "").split(","))
    wanted = {urlsplit(s["environment"]["MLFLOW_TRACKING_URI"]).netloc for s in svc.values()
              if "MLFLOW_TRACKING_URI" in s.get("environment", {})}
    wanted.add(f"localhost:{published(svc['mlflow']).get(next(iter(listen['mlflow'])))}")
    if not {"*"} & allowed and wanted - allowed:
        problems.append(f"mlflow --allowed-hosts {sorted(allowed)} rejects {sorted(wanted - allowed)}")
    return problems


def created_buckets(effective: dict) -> set[str]:
    script = " ".join(command_args(effective["services"]["minio-init"].get("command")))
    return set(re.findall(r"\bmc mb\b[^\n]*?\blocal/([a-z0-9.-]+)", script))


def check_buckets(effective: dict, dvc_remotes: list[str]) -> list[str]:
    buckets = created_buckets(effective)
    problems = [] if buckets else ["minio-init creates no bucket"]
    mlflow = option(command_args(effective["services"]["mlflow"]["command"]), "--artifacts-destination") or ""
    wanted = {"mlflow --artifacts-destination": mlflow, **{f"DVC remote {u}": u for u in dvc_remotes}}
    for what, url in wanted.items():
        parts = urlsplit(url)
        if parts.scheme != "s3" or parts.netloc not in buckets:
            problems.append(f"{what} ({url!r}) is not in a bucket minio-init creates {sorted(buckets)}")
    # minio-init talks to the MinIO service's S3 port.
    script = " ".join(command_args(effective["services"]["minio-init"].get("command")))
    alias = re.search(r"mc alias set \S+ (\S+)", script)
    listen = listening_ports(effective)["minio"]
    if not alias or urlsplit(alias[1]).hostname != "minio" or urlsplit(alias[1]).port not in listen:
        problems.append(f"minio-init's mc alias does not point at minio:{sorted(listen)}")
    return problems


def compose_workers(effective: dict) -> dict[str, list[str]]:
    return {name: command_args(s.get("command")) for name, s in effective["services"].items()
            if "worker" in command_args(s.get("command"))[:3]}


def check_worker_pools(effective: dict, k8s_docs: list[dict], pipelines: Pipelines) -> list[str]:
    pools = {p.name: p for p in pipelines.work_pools}
    problems = []
    served = set()
    for name, args in compose_workers(effective).items():
        pool, kind = option(args, "--pool"), option(args, "--type")
        if pool not in pools:
            problems.append(f"compose {name} polls {pool!r}, not a work pool of pipelines.yaml {sorted(pools)}")
            continue
        served.add(pool)
        if kind != pools[pool].type:
            problems.append(f"compose {name}: --type {kind} but pipelines.yaml declares {pool} as {pools[pool].type}")
        gpu = bool(effective["services"][name].get("deploy", {}).get("resources", {}).get("reservations", {})
                   .get("devices"))
        if gpu != (pool == gpu_pool(pipelines)):
            problems.append(f"compose {name} (pool {pool}) {'has' if gpu else 'lacks'} a GPU reservation")
    if set(pools) - served:
        problems.append(f"no compose worker polls {sorted(set(pools) - served)}: their deployments would never run")
    # Kubernetes: the GPU pool's production type.
    for doc in k8s_docs:
        for c in _containers(doc):
            args = command_args(c.get("command")) + command_args(c.get("args"))
            if "worker" not in args:
                continue
            pool, kind = option(args, "--pool"), option(args, "--type")
            if pool != gpu_pool(pipelines):
                problems.append(f"k8s worker polls {pool!r}; the pool of the gpu-tagged deployments is "
                                f"{gpu_pool(pipelines)!r}")
            if kind != "kubernetes":
                problems.append(f"k8s worker --type {kind}, expected kubernetes")
            try:
                WorkPool(name=pool, type=kind)
            except ValidationError as err:  # pipelines.yaml's schema must accept the production type
                problems.append(f"pipelines.yaml cannot declare {pool} as {kind}: {err}")
    return problems


def _containers(doc: dict) -> list[dict]:
    spec = doc.get("spec", {}).get("template", {}).get("spec", {})
    return spec.get("containers", []) if isinstance(spec.get("containers"), list) else []


def check_depends_on(compose: dict) -> list[str]:
    svc = compose["services"]
    problems = []
    for name, service in svc.items():
        deps = service.get("depends_on", {})
        deps = {d: {} for d in deps} if isinstance(deps, list) else deps
        for target, spec in deps.items():
            if target not in svc:
                problems.append(f"{name} depends on {target!r}, which is not a service")
                continue
            cond = (spec or {}).get("condition", "service_started")
            if cond == "service_healthy" and "healthcheck" not in svc[target]:
                problems.append(f"{name} waits for {target} to be healthy, but it has no healthcheck")
            if cond == "service_completed_successfully" and svc[target].get("restart", "no") != "no":
                problems.append(f"{name} waits for {target} to complete, but {target} restarts")
            if cond == "service_started" and "healthcheck" in svc[target]:
                problems.append(f"{name} depends on {target} without waiting for its healthcheck")
    return problems


def check_template(template: dict, *, secret: dict, namespace: str, mlflow_port: int,
                   train_entrypoint: list[str]) -> list[str]:
    from prefect.utilities.templating import apply_values, find_placeholders

    problems = []
    if not isinstance(template.get("job_configuration"), dict) or not isinstance(template.get("variables"), dict):
        return ["the base job template needs job_configuration and variables"]
    props = template["variables"].get("properties", {})
    used = {p.name for p in find_placeholders(json.dumps(template["job_configuration"]))}
    if used - set(props):
        problems.append(f"job_configuration uses undeclared variables {sorted(used - set(props))}")
    if set(props) - used:
        problems.append(f"variables declared but never used: {sorted(set(props) - used)}")
    # Each default is valid under its own schema (the UI and the API validate job variables).
    import jsonschema

    for name, schema in props.items():
        if "default" in schema:
            try:
                jsonschema.validate(schema["default"], schema)
            except jsonschema.ValidationError as err:
                problems.append(f"variables.{name}: default {schema['default']!r} fails its schema: {err.message}")
    # Render it as the worker does with the defaults, then read the Kubernetes Job.
    defaults = {k: v["default"] for k, v in props.items() if "default" in v}
    config = apply_values(template["job_configuration"], defaults)
    job = config.get("job_manifest", {})
    base = {("apiVersion",): "batch/v1", ("kind",): "Job",
            ("spec", "template", "spec", "parallelism"): 1, ("spec", "template", "spec", "completions"): 1,
            ("spec", "template", "spec", "restartPolicy"): "Never"}
    for path, value in base.items():  # what prefect-kubernetes' worker requires of every manifest
        node: Any = job
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if node != value:
            problems.append(f"job_manifest.{'.'.join(path)} is {node!r}, the kubernetes worker requires {value!r}")
    pod = job.get("spec", {}).get("template", {}).get("spec", {})
    containers = pod.get("containers") or [{}]
    c = containers[0]
    if c.get("name") != "prefect-job":
        problems.append("the first container must be named prefect-job (the worker fills it in)")
    res = c.get("resources", {})
    for kind in ("requests", "limits"):
        if str(res.get(kind, {}).get("nvidia.com/gpu")) != "1":
            problems.append(f"the container's {kind} nvidia.com/gpu is {res.get(kind, {}).get('nvidia.com/gpu')!r}, "
                            "expected 1 by default")
    if not any(t.get("key") == "nvidia.com/gpu" for t in pod.get("tolerations", [])):
        problems.append("no toleration for nvidia.com/gpu (GPU nodes are usually tainted)")
    if "node_selector" not in props or not isinstance(pod.get("nodeSelector"), dict):
        problems.append("nodeSelector is not a node_selector variable rendering to a mapping")
    if config.get("namespace") != namespace or job.get("metadata", {}).get("namespace") != namespace:
        problems.append(f"the jobs' namespace {config.get('namespace')!r} is not the worker's {namespace!r}")
    # Environment: MLflow's URI and every key of the Secret, from that Secret.
    env = {e["name"]: e for e in c.get("env", []) if isinstance(e, dict)}
    uri = env.get("MLFLOW_TRACKING_URI", {}).get("value", "")
    if urlsplit(uri).scheme not in ("http", "https") or urlsplit(uri).port != mlflow_port:
        problems.append(f"MLFLOW_TRACKING_URI {uri!r} is not an http URL on MLflow's port {mlflow_port}")
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in env.values() if "secretKeyRef" in e.get("valueFrom", {})}
    keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    for var, ref in refs.items():
        if ref.get("name") != secret["metadata"]["name"] or ref.get("key") not in keys:
            problems.append(f"{var} reads {ref}, which {secret['metadata']['name']} does not hold")
    for key in sorted(keys - {r.get("key") for r in refs.values()}):
        problems.append(f"the job does not read {key} from the secret")
    for var in ("CLAIMVLM_PSEUDONYM_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        if var not in refs:
            problems.append(f"{var} is not taken from the secret")
    # The image's ENTRYPOINT (claimvlm) would swallow Prefect's flow-run command given as args.
    if train_entrypoint and not c.get("command"):
        problems.append(f"the training image's ENTRYPOINT {train_entrypoint} is not overridden by the "
                        "container's command; Prefect's flow-run command arrives as args")
    if not isinstance(defaults.get("image"), str) or defaults["image"].startswith("prefecthq/"):
        problems.append("the image variable should default to the training image")
    return problems


def check_no_secrets(files: dict[str, str]) -> list[str]:
    """No real secret in the tracked infra files: secret-named settings hold placeholders or
    references, and nothing looks like a key."""
    problems = []
    for name, text in files.items():
        if re.search(r"AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----", text):
            problems.append(f"{name}: something that looks like a credential")
        if re.search(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])", text):
            problems.append(f"{name}: a 64-hex-digit value (a pseudonymisation key?)")
    return problems


def check_secret_values(env: dict[str, str], compose: dict, secret: dict, k8s_docs: list[dict]) -> list[str]:
    problems = []
    for key, value in env.items():
        if SECRET_NAME.search(key) and not PLACEHOLDER.match(value):
            problems.append(f"infra/.env.example: {key} is not a change-me placeholder")
    for name, service in compose["services"].items():
        environment = service.get("environment", {})
        if isinstance(environment, list):
            environment = dict(e.split("=", 1) for e in environment if "=" in e)
        for key, value in environment.items():
            if SECRET_NAME.search(key) and not str(value).startswith("${"):
                problems.append(f"docker-compose.yml {name}: {key} is written in the file, not taken from .env")
        for text in [*strings(service.get("environment", {})), *command_args(service.get("command"))]:
            for url in url_in(text):
                password = urlsplit(url).password
                if password and not password.startswith("${"):
                    problems.append(f"docker-compose.yml {name}: a password written in {url}")
    for key, value in {**secret.get("stringData", {}), **secret.get("data", {})}.items():
        if not PLACEHOLDER.match(str(value)):
            problems.append(f"secrets.example.yaml: {key} is not a change-me placeholder")
    for doc in k8s_docs:
        for c in _containers(doc):
            for e in c.get("env", []):
                if SECRET_NAME.search(e["name"]) and "value" in e:
                    problems.append(f"prefect-worker.yaml: {e['name']} has a literal value")
    return problems


def _broken(fixture: dict, path: tuple, value: Any = None, *, delete: bool = False) -> dict:
    doc = copy.deepcopy(fixture)
    node = doc
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc
