"""The serving deployment files, checked as tests/test_infra.py checks the rest of infra/ (parsed and
cross-checked, nothing built or started): the serve image against the `claimvlm` CLI, the Kubernetes
Deployment against the app's routes and the image's port, Prometheus and Grafana against the compose
services, and every PromQL expression of the dashboard and alerts against the metrics the service
exports. Each check returns its problems; `test_checks_catch_broken_copies` runs them on broken copies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import typer.main
import yaml

from claimvlm.cli import app as cli_app
from claimvlm.config import load_params
from claimvlm.settings import ConfigError
from tests import test_infra as infra
from tests.infra_checks import COMPOSE, DOCKER, K8S, ROOT, _broken, command_args, option, published, read_yaml

PROM, GRAFANA = infra.INFRA / "prometheus", infra.INFRA / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "claimvlm-serving.json"
JOB = "claimvlm-serve"  # the scrape job of both Prometheus configs, which the alerts select
# What the service exports: name -> (type, labels), and the values it writes for some labels.
METRICS = {"claimvlm_requests": ("counter", {"route", "status", "version"}),
           "claimvlm_request_seconds": ("histogram", {"route", "version"}),
           "claimvlm_errors": ("counter", {"kind"}), "claimvlm_batch_size": ("histogram", {"version"}),
           "claimvlm_inference_seconds": ("histogram", {"version"}), "claimvlm_queue_depth": ("gauge", set()),
           "claimvlm_model_info": ("gauge", {"version", "role"}), "claimvlm_model_swaps": ("counter", {"result"}),
           "claimvlm_field_confidence": ("histogram", set()), "claimvlm_anchor_seconds": ("histogram", {"version"})}
LABEL_VALUES = {"route": {"/health/live", "/health/ready", "/v1/extract", "/v1/feedback", "/metrics", "other"},
                "kind": {"empty", "too_large", "not_an_image", "content_type", "content_type_mismatch", "truncated",
                         "decompression_bomb", "too_small", "slow_upload", "no_file", "bad_multipart", "not_ready",
                         "queue_full", "model_output", "inference", "internal", "feedback_store", "bad_feedback",
                         "unknown_request"},
                "role": {"champion", "challenger"},
                "result": {"swapped", "failed"}}
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created"), "gauge": ("",)}
SERIES = {base + s: base for base, (kind, _) in METRICS.items() for s in SUFFIXES[kind]}
PROMQL_WORDS = {"sum", "avg", "min", "max", "count", "topk", "bottomk", "quantile", "rate", "irate", "increase",
                "delta", "histogram_quantile", "absent", "vector", "scalar", "clamp_min", "clamp_max", "and", "or",
                "unless", "bool", "offset", "changes", "resets"}


# ---------------------------------------------------------------- readers and checks (each returns problems)


def app_routes() -> dict[str, str]:
    """path -> method of the routes tasks/serving/app.py declares."""
    text = (ROOT / "tasks" / "serving" / "app.py").read_text(encoding="utf-8")
    return {path: method.upper() for method, path in re.findall(r'@app\.(get|post|put|delete)\(\s*"([^"]+)"', text)}


def last_option(args: list[str], name: str) -> str | None:
    """The value click takes: the last occurrence wins."""
    found = [option(args[i:], name) for i, a in enumerate(args) if a == name or a.startswith(name + "=")]
    return found[-1] if found else None


def entrypoint(instrs: list[tuple[str, str]]) -> list[str]:
    return next(infra.exec_form(r) for i, r in instrs if i == "ENTRYPOINT")


def resolve_port(port: Any, container: dict) -> int | None:
    if isinstance(port, int) or str(port).isdigit():
        return int(port)
    return next((p["containerPort"] for p in container.get("ports", []) if p.get("name") == port), None)


def target_labels(*configs: dict) -> set[str]:
    """Labels Prometheus puts on every series it scrapes: job, instance and relabelled or static ones."""
    labels = {"job", "instance"}
    for job in [j for cfg in configs for j in cfg.get("scrape_configs", [])]:
        labels |= {r["target_label"] for r in job.get("relabel_configs", [])
                   if not r.get("target_label", "_").startswith("_")}
        labels |= {k for s in job.get("static_configs", []) for k in s.get("labels", {})}
    return labels


def mounts(service: dict) -> dict[str, Path]:
    """container path -> host folder of a compose service's bind mounts."""
    pairs = [str(v).split(":")[:2] for v in service.get("volumes", [])]
    return {target: (COMPOSE.parent / source).resolve() for source, target in pairs if source.startswith((".", "/"))}


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_SELECTOR = re.compile(r"([A-Za-z_:][\w:]*)?\s*\{([^}]*)\}")
_MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"(\d+)"')


def promql_problems(expr: str, where: str, targets: set[str]) -> list[str]:
    """Series, labels and label values of one PromQL expression against what the service exports."""
    literals: list[str] = []
    text = _STRING.sub(lambda m: literals.append(m[0][1:-1]) or f'"{len(literals) - 1}"', expr)
    problems = [] if text.count("(") == text.count(")") else [f"{where}: unbalanced parentheses"]
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges and subqueries: [5m], [$__rate_interval]
    grouped = {g.strip() for m in _GROUPING.finditer(text) for g in m[1].split(",") if g.strip()}
    text = _GROUPING.sub(" ", text)
    selectors: list[tuple[str, list[tuple[str, str, str]]]] = []
    text = _SELECTOR.sub(lambda m: selectors.append((m[1] or "", _MATCHER.findall(m[2]))) or f" {m[1] or ''} ", text)
    names = {n for n, _ in selectors if n}
    for m in re.finditer(r"(?<![\w.$])([A-Za-z_:][\w:]*)\s*(\(?)", text):
        if m[1] not in PROMQL_WORDS:
            (problems.append(f"{where}: unknown function {m[1]}()") if m[2] else names.add(m[1]))

    def labels_of(name: str) -> set[str]:
        own = METRICS[SERIES[name]][1] | ({"le"} if name.endswith("_bucket") else set()) if name != "up" else set()
        return targets | own

    known = {n for n in names if n in SERIES or n == "up"}
    problems += [f"{where}: {n} is not a series the service exports" for n in sorted(names - known)]
    for name, label, op, value in [(n, lb, op, literals[int(r)]) for n, ms in selectors for lb, op, r in ms]:
        if name in known and label not in labels_of(name):
            problems.append(f"{where}: {name} has no label {label!r}")
        if label == "job" and op == "=" and value != JOB:
            problems.append(f"{where}: job={value!r}, but the scrape job is {JOB!r}")
        if label in LABEL_VALUES and not (op.endswith("~") and re.search(r"[\\^$*+?()\[\]{}]", value)):
            problems += [f"{where}: {label}={v!r} is never written" for v in value.split("|")
                         if v not in LABEL_VALUES[label]]
    have = set(targets).union(*(labels_of(n) for n in known))
    problems += [f"{where}: groups by {g!r}, which none of its series has" for g in sorted(grouped - have)]
    if "histogram_quantile" in text and "le" not in grouped:
        problems.append(f"{where}: histogram_quantile over buckets aggregated without `by (le)`")
    return problems


def expressions(dashboard: dict, alerts: dict) -> list[tuple[str, str]]:
    found = [(f"panel {p.get('title')!r} {t.get('refId')}", t["expr"]) for p in dashboard.get("panels", [])
             for t in p.get("targets", []) if "expr" in t]
    return found + [(f"alert {r.get('alert')}", str(r["expr"])) for g in alerts["groups"] for r in g["rules"]]


def check_promql(dashboard: dict, alerts: dict, targets: set[str]) -> list[str]:
    return [p for where, expr in expressions(dashboard, alerts) for p in promql_problems(expr, where, targets)]


def check_dashboard(dashboard: dict, datasources: dict, targets: set[str]) -> list[str]:
    problems = [] if dashboard.get("schemaVersion", 0) >= 36 and dashboard.get("uid") else ["no uid or an old schema"]
    uids = {d["uid"]: d["type"] for d in datasources["datasources"]}
    variables = {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}

    def provisioned(ds: Any) -> bool:  # a provisioned uid, or a datasource variable defaulting to one
        uid = ds.get("uid", "") if isinstance(ds, dict) else ""
        var = variables.get((re.fullmatch(r"\$\{?(\w+)\}?", uid) or [None, None])[1], {})
        default = var.get("current", {}).get("value")
        return uid in uids or (var.get("type") == "datasource" and uids.get(default, "?") == var.get("query"))

    for p in dashboard.get("panels", []):
        for ds in [p.get("datasource")] + [t.get("datasource", p.get("datasource")) for t in p.get("targets", [])]:
            if not provisioned(ds):
                problems.append(f"panel {p.get('title')!r}: data source {ds} is not the provisioned {sorted(uids)}")
        names = {n for t in p.get("targets", []) for n in re.findall(r"\$\{?(\w+)", t.get("expr", ""))}
        problems += [f"panel {p.get('title')!r}: ${n} is not a variable" for n in sorted(names - set(variables))
                     if not n.startswith("__")]
    version = variables.get("version", {})
    query = version.get("query", {})
    m = re.fullmatch(r"label_values\((\w+),\s*version\)", query.get("query", "") if isinstance(query, dict) else query)
    if version.get("type") != "query" or not m or not provisioned(version.get("datasource")):
        problems.append("no `version` variable: label_values(METRIC, version) on the provisioned data source")
    else:
        problems += promql_problems(f'{m[1]}{{version!=""}}', "variable version", targets)
    if not any("$version" in expr for _, expr in expressions(dashboard, {"groups": []})):
        problems.append("no panel filters by $version")
    return problems


def check_grafana(effective: dict, datasources: dict, providers: dict, prometheus: dict) -> list[str]:
    svc = effective["services"]
    bound, env = mounts(svc["grafana"]), svc["grafana"].get("environment", {})
    problems = []
    if bound.get(env.get("GF_PATHS_PROVISIONING", "/etc/grafana/provisioning")) != (GRAFANA / "provisioning").resolve():
        problems.append("infra/grafana/provisioning is not mounted where Grafana reads provisioning")
    paths = [p["options"]["path"].rstrip("/") for p in providers["providers"]]
    problems += [f"dashboard provider path {p} is not where compose mounts infra/grafana/dashboards"
                 for p in paths if bound.get(p) != DASHBOARD.parent.resolve()]
    home = env.get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
    if home and (str(Path(home).parent) not in paths or not (DASHBOARD.parent / Path(home).name).is_file()):
        problems.append(f"the home dashboard {home} is not a provisioned dashboard file")
    listen = option(command_args(svc["prometheus"].get("command")), "--web.listen-address") or ":9090"
    port = int(listen.rsplit(":", 1)[1])
    for ds in datasources["datasources"]:
        if (urlsplit(ds["url"]).hostname, urlsplit(ds["url"]).port) != ("prometheus", port):
            problems.append(f"data source url {ds['url']} is not the compose prometheus service on {port}")
        if ds.get("jsonData", {}).get("timeInterval") != prometheus["global"]["scrape_interval"]:
            problems.append(f"data source {ds['name']}: timeInterval is not the scrape interval")
    return problems


def check_prometheus(prometheus: dict, effective: dict, port: int, routes: dict[str, str]) -> list[str]:
    problems = [] if prometheus["global"]["scrape_interval"] == "15s" else ["the scrape interval is not 15s"]
    job = next((j for j in prometheus["scrape_configs"] if j["job_name"] == JOB), None)
    if job is None:
        return problems + [f"no scrape job {JOB}"]
    svc = effective["services"]
    for target in [t for s in job.get("static_configs", []) for t in s["targets"]] or ["(none)"]:
        host, _, p = target.partition(":")
        if host != "serve" or p != str(port) or port not in published(svc.get(host, {})):
            problems.append(f"target {target} is not the compose service serve on its port {port}")
    if routes.get(job.get("metrics_path", "/metrics")) != "GET":
        problems.append(f"metrics_path {job.get('metrics_path')} is not a GET route of the app")
    problems += [f"rule file {f} is not in infra/prometheus" for f in prometheus.get("rule_files", [])
                 if not (PROM / f).is_file()]
    config = option(command_args(svc["prometheus"].get("command")), "--config.file") or ""
    if mounts(svc["prometheus"]).get(str(Path(config).parent)) != PROM.resolve():
        problems.append(f"--config.file {config} is not in the mounted infra/prometheus")
    return problems


def check_k8s(docs: list[dict], routes: dict[str, str], port: int, prom_k8s: dict, mlflow_uri: str) -> list[str]:
    kinds = {d["kind"]: d for d in docs}
    deploy, service, pdb, config = (kinds[k] for k in ("Deployment", "Service", "PodDisruptionBudget", "ConfigMap"))
    spec, pod = deploy["spec"], deploy["spec"]["template"]
    labels, c = pod["metadata"]["labels"], pod["spec"]["containers"][0]
    problems = [] if port in [p["containerPort"] for p in c.get("ports", [])] else [f"no containerPort {port}"]
    for probe, path in {"startupProbe": "/health/ready", "readinessProbe": "/health/ready",
                        "livenessProbe": "/health/live"}.items():
        get = c.get(probe, {}).get("httpGet", {})
        if get.get("path") != path or routes.get(path) != "GET":
            problems.append(f"{probe} on {get.get('path')}, expected GET {path}")
        if resolve_port(get.get("port"), c) != port:
            problems.append(f"{probe} on port {get.get('port')}, the app listens on {port}")
    budget = c.get("startupProbe", {}).get("failureThreshold", 3) * c.get("startupProbe", {}).get("periodSeconds", 10)
    if budget < 300:
        problems.append(f"the startup probe allows {budget} s for the model load, under 5 minutes")
    if spec.get("progressDeadlineSeconds", 600) <= budget:
        problems.append("progressDeadlineSeconds does not exceed the startup budget")
    rolling = spec.get("strategy", {}).get("rollingUpdate", {})
    if spec.get("replicas", 1) < 2 or str(rolling.get("maxUnavailable")) != "0":
        problems.append("fewer than 2 replicas, or a rollout may drop capacity (maxUnavailable not 0)")
    if not 1 <= pdb["spec"].get("minAvailable", 0) < spec["replicas"]:
        problems.append("the PDB's minAvailable is not between 1 and replicas - 1")
    for what, selector in (("Deployment", spec["selector"]["matchLabels"]), ("Service", service["spec"]["selector"]),
                           ("PDB", pdb["spec"]["selector"]["matchLabels"])):
        if not selector or any(labels.get(k) != v for k, v in selector.items()):
            problems.append(f"the {what} selector {selector} does not select the pods")
    problems += [f"Service port {p['port']} targets {p.get('targetPort')}, not the container's {port}"
                 for p in service["spec"]["ports"] if resolve_port(p.get("targetPort", p["port"]), c) != port]
    notes = pod["metadata"].get("annotations", {})
    if (notes.get("prometheus.io/scrape"), notes.get("prometheus.io/port")) != ("true", str(port)) \
            or routes.get(notes.get("prometheus.io/path")) != "GET":
        problems.append(f"the prometheus.io annotations {notes} are not GET /metrics on {port}")
    env = {e["name"]: e for e in c.get("env", [])}
    ref = env.get("MLFLOW_TRACKING_URI", {}).get("valueFrom", {}).get("configMapKeyRef", {})
    if ref.get("name") != config["metadata"]["name"] or config["data"].get(ref.get("key")) != mlflow_uri:
        problems.append(f"MLFLOW_TRACKING_URI is not the ConfigMap's, or not the GPU pool's {mlflow_uri}")
    # Prometheus' pod discovery (prometheus-k8s.yml) keeps these pods: each keep rule matches them.
    job = next(j for j in prom_k8s["scrape_configs"] if j["job_name"] == JOB)
    meta = {**{"__meta_kubernetes_pod_annotation_" + re.sub(r"\W", "_", k): str(v) for k, v in notes.items()},
            **{"__meta_kubernetes_pod_label_" + re.sub(r"\W", "_", k): v for k, v in labels.items()}}
    for rule in [r for r in job.get("relabel_configs", []) if r.get("action") == "keep"]:
        value = ";".join(meta.get(s, "") for s in rule["source_labels"])
        if not re.fullmatch(rule.get("regex", "(.*)"), value):
            problems.append(f"prometheus-k8s.yml drops the serve pods: {rule['source_labels']} = {value!r}")
    if deploy["metadata"]["namespace"] not in [n for sd in job.get("kubernetes_sd_configs", [])
                                               for n in sd.get("namespaces", {}).get("names", [])]:
        problems.append(f"prometheus-k8s.yml does not look in the namespace {deploy['metadata']['namespace']}")
    return problems


def check_cli(args: list[str], where: str) -> list[str]:
    """`claimvlm COMMAND --option value ...`: a registered command, its options, valid -S overrides."""
    commands = typer.main.get_command(cli_app).commands
    if args[:1] != ["claimvlm"] or len(args) < 2 or args[1] not in commands:
        return [f"{where}: {args[:2]} is not a claimvlm command"]
    params = {o: p for p in commands[args[1]].params for o in p.opts + p.secondary_opts}
    problems, sets, rest = [], [], list(args[2:])
    while rest:
        flag, eq, value = rest.pop(0).partition("=")
        if flag not in params:
            problems.append(f"{where}: {args[1]} has no option {flag}")
            rest = rest[1:] if rest and not eq and not rest[0].startswith("-") else rest  # its value
        elif not getattr(params[flag], "is_flag", False):
            value = value if eq else (rest.pop(0) if rest else "")
            sets += [value] if params[flag].name == "set_" else []
    try:
        load_params(ROOT / "params.yaml", sets)
    except ConfigError as err:
        problems.append(f"{where}: overrides {sets} are invalid: {err}")
    return problems


def check_serve_image(instrs: list[tuple[str, str]]) -> list[str]:
    entry = entrypoint(instrs)
    problems = check_cli(entry, "serve.Dockerfile ENTRYPOINT")
    if entry[1:2] != ["serve-api"] or last_option(entry, "--host") != "0.0.0.0":
        problems.append("the entrypoint is not serve-api listening on 0.0.0.0")
    if next((r for i, r in reversed(instrs) if i == "USER"), "root").split(":")[0] in ("root", "0"):
        problems.append("the image runs as root")
    port = last_option(entry, "--port")
    if not any(i == "EXPOSE" and port in r.split() for i, r in instrs):
        problems.append(f"the image does not EXPOSE {port}")
    if not re.search(rf"localhost:{port}/health/live\b", next((r for i, r in instrs if i == "HEALTHCHECK"), "")):
        problems.append(f"the HEALTHCHECK does not ask /health/live on {port}")
    return problems


def check_compose_serve(effective: dict, port: int) -> list[str]:
    """tests/test_infra.py checks the URLs (MLflow's) and depends_on of every service, serve's too."""
    serve = effective["services"]["serve"]
    problems = [] if Path(serve["build"]["dockerfile"]).name == "serve.Dockerfile" else ["not serve.Dockerfile"]
    found = re.findall(r"http://localhost:(\d+)(/[\w/]+)", " ".join(serve["healthcheck"]["test"]))
    if found != [(str(port), "/health/ready")]:
        problems.append(f"serve's healthcheck asks {found}, expected /health/ready on {port}")
    if port not in published(serve) or "mlflow" not in serve.get("depends_on", {}):
        problems.append(f"serve does not publish {port} or does not wait for mlflow")
    return problems


# ---------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def f() -> dict[str, Any]:
    instrs = infra.dockerfile(DOCKER / "serve.Dockerfile")
    template = json.loads(infra.GPU_TEMPLATE.read_text(encoding="utf-8"))["variables"]["properties"]
    return {"effective": infra.interpolate(read_yaml(COMPOSE), infra.read_env_file(infra.ENV_EXAMPLE)),
            "instrs": instrs, "port": int(last_option(entrypoint(instrs), "--port")), "routes": app_routes(),
            "prom": read_yaml(PROM / "prometheus.yml"), "prom_k8s": read_yaml(PROM / "prometheus-k8s.yml"),
            "alerts": read_yaml(PROM / "alerts.yml"), "dashboard": json.loads(DASHBOARD.read_text(encoding="utf-8")),
            "datasources": read_yaml(GRAFANA / "provisioning" / "datasources" / "prometheus.yml"),
            "providers": read_yaml(GRAFANA / "provisioning" / "dashboards" / "claimvlm.yml"),
            "k8s": [d for d in yaml.safe_load_all((K8S / "serve.yaml").read_text(encoding="utf-8")) if d],
            "template": template, "mlflow": template["mlflow_tracking_uri"]["default"]}


def test_metrics_are_the_ones_the_service_defines():
    from prometheus_client.metrics import MetricWrapperBase

    from claimvlm.serving.metrics import Metrics

    defined = {m._name: (m._type, set(m._labelnames)) for m in vars(Metrics()).values() if isinstance(m, MetricWrapperBase)}
    assert defined == METRICS


def test_image_compose_prometheus_and_grafana(f):
    assert f["routes"] == {"/health/live": "GET", "/health/ready": "GET", "/metrics": "GET", "/v1/extract": "POST"}
    assert check_serve_image(f["instrs"]) == [] and f["port"] == 8000
    assert check_compose_serve(f["effective"], f["port"]) == []
    assert check_prometheus(f["prom"], f["effective"], f["port"], f["routes"]) == []
    assert check_grafana(f["effective"], f["datasources"], f["providers"], f["prom"]) == []


def test_k8s(f):
    assert check_k8s(f["k8s"], f["routes"], f["port"], f["prom_k8s"], f["mlflow"]) == []
    # The Prefect worker's namespace; both Prometheus configs scrape alike and load the same rules.
    worker = next(d for d in yaml.safe_load_all((K8S / "prefect-worker.yaml").read_text()) if d["kind"] == "Namespace")
    assert {d["metadata"].get("namespace", d["metadata"]["name"]) for d in f["k8s"]} == {worker["metadata"]["name"]}
    assert (f["prom_k8s"]["global"], f["prom_k8s"]["rule_files"]) == (f["prom"]["global"], f["prom"]["rule_files"])
    patch = read_yaml(K8S / "serve-gpu-patch.yaml")["spec"]["template"]["spec"]
    c = patch["containers"][0]
    deploy = next(d for d in f["k8s"] if d["kind"] == "Deployment")
    assert c["name"] == deploy["spec"]["template"]["spec"]["containers"][0]["name"] and c["image"].endswith("-gpu")
    assert check_cli(entrypoint(f["instrs"]) + c["args"], "GPU patch") == [] and "serve.device=cuda" in c["args"]
    assert str(c["resources"]["limits"]["nvidia.com/gpu"]) == "1"
    assert patch["nodeSelector"] == f["template"]["node_selector"]["default"]
    assert any(t["key"] == "nvidia.com/gpu" for t in patch["tolerations"])


def test_dashboard_and_alerts_use_what_the_service_exports(f):
    targets = target_labels(f["prom"], f["prom_k8s"])
    assert check_promql(f["dashboard"], f["alerts"], targets) == []
    assert check_dashboard(f["dashboard"], f["datasources"], targets) == []
    panels = " ".join(e for _, e in expressions(f["dashboard"], {"groups": []}))
    for base in METRICS:
        assert base in panels, f"no panel shows {base}"
    assert all(f"histogram_quantile({q}, sum by (le) (rate(claimvlm_request_seconds_bucket{{route=\"/v1/extract\""
               in panels for q in ("0.5", "0.95", "0.99"))
    rules = [r for g in f["alerts"]["groups"] for r in g["rules"]]
    assert len({r["alert"] for r in rules}) == len(rules)
    for r in rules:
        assert r["labels"]["severity"] in {"critical", "warning", "info"} and r["annotations"]["summary"], r["alert"]
    alerts = " ".join(str(r["expr"]) for r in rules)
    for needle in ("up{", "claimvlm_model_info", 'status=~"5.."', "histogram_quantile(0.95", 'kind="queue_full"',
                   'result="failed"'):
        assert needle in alerts, f"no alert on {needle}"


def test_checks_catch_broken_copies(f):
    targets, dash, port = target_labels(f["prom"], f["prom_k8s"]), f["dashboard"], f["port"]
    lat = next(i for i, p in enumerate(dash["panels"]) if "latency" in p["title"])
    expr = dash["panels"][lat]["targets"][0]["expr"]
    rules = f["alerts"]["groups"][0]["rules"]
    queue = next(i for i, r in enumerate(rules) if r["alert"] == "ClaimvlmQueueFull")
    index = {d["kind"]: i for i, d in enumerate(f["k8s"])}
    box = ("spec", "template", "spec", "containers", 0)

    def panel(new: str) -> list[str]:
        return check_promql(_broken(dash, ("panels", lat, "targets", 0, "expr"), new), {"groups": []}, targets)

    def k8s(path: tuple, value: Any, kind: str = "Deployment", prom_k8s: dict | None = None) -> list[str]:
        docs = [_broken(d, path, value) if i == index[kind] else d for i, d in enumerate(f["k8s"])]
        return check_k8s(docs, f["routes"], port, prom_k8s or f["prom_k8s"], f["mlflow"])

    def image(old: str, new: str) -> list[str]:
        return check_serve_image([(i, r.replace(old, new)) for i, r in f["instrs"]])

    cases: list[tuple[str, Callable[[], list[str]]]] = [
        ("misspelled metric in a panel", lambda: panel(expr.replace("request_seconds", "request_second"))),
        ("histogram without its suffix", lambda: panel(expr.replace("_bucket", ""))),
        ("unknown label in a panel", lambda: panel(expr.replace("route=", "path="))),
        ("quantile without le", lambda: panel(expr.replace("by (le)", "by (route)"))),
        ("an error kind that does not exist", lambda: check_promql({}, _broken(f["alerts"], (
            "groups", 0, "rules", queue, "expr"), rules[queue]["expr"].replace("queue_full", "queue-full")), targets)),
        ("panel on an unprovisioned data source",
         lambda: check_dashboard(_broken(dash, ("panels", 2, "datasource", "uid"), "x"), f["datasources"], targets)),
        ("undefined dashboard variable", lambda: check_dashboard(_broken(dash, (
            "panels", lat, "targets", 0, "expr"), expr.replace("$version", "$model")), f["datasources"], targets)),
        ("readiness on a wrong path", lambda: k8s(box + ("readinessProbe", "httpGet", "path"), "/healthz")),
        ("liveness on readiness", lambda: k8s(box + ("livenessProbe", "httpGet", "path"), "/health/ready")),
        ("startup budget too short", lambda: k8s(box + ("startupProbe", "failureThreshold"), 6)),
        ("rollout drops capacity", lambda: k8s(("spec", "strategy", "rollingUpdate", "maxUnavailable"), 1)),
        ("Service targetPort mismatch", lambda: k8s(("spec", "ports", 0, "targetPort"), 8080, "Service")),
        ("MLflow of another server", lambda: k8s(("data", "MLFLOW_TRACKING_URI"), "http://mlflow:5000", "ConfigMap")),
        ("pod discovery drops the serve pods", lambda: k8s(("spec", "replicas"), 2, prom_k8s=_broken(
            f["prom_k8s"], ("scrape_configs", 0, "relabel_configs", 1, "regex"), "claimvlm-api"))),
        ("Prometheus target on a wrong port", lambda: check_prometheus(_broken(f["prom"], (
            "scrape_configs", 0, "static_configs", 0, "targets"), ["serve:8080"]), f["effective"], port, f["routes"])),
        ("provider path not mounted", lambda: check_grafana(f["effective"], f["datasources"], _broken(
            f["providers"], ("providers", 0, "options", "path"), "/var/lib/grafana/dashboards"), f["prom"])),
        ("data source on the wrong port", lambda: check_grafana(f["effective"], _broken(
            f["datasources"], ("datasources", 0, "url"), "http://prometheus:9091"), f["providers"], f["prom"])),
        ("entrypoint with an unknown option", lambda: image('"--port"', '"--workers", "2", "--port"')),
        ("entrypoint with an unknown command", lambda: image('"serve-api"', '"serve-apy"')),
        ("image healthcheck on another port", lambda: image("localhost:8000", "localhost:8080")),
        ("invalid -S override", lambda: check_cli(["claimvlm", "serve-api", "-S", "serve.device=tpu"], "x")),
        ("compose healthcheck on liveness", lambda: check_compose_serve(_broken(f["effective"], (
            "services", "serve", "healthcheck", "test"), ["CMD", "curl", "http://localhost:8000/health/live"]), port)),
    ]
    quiet = [name for name, check in cases if not check()]
    assert quiet == [], f"checks that did not notice: {quiet}"
