"""The Kubernetes manifests (deploy/k8s/: a kustomize base and a production overlay), checked offline:
rendered the way kustomize renders the features they use, every object validates against Kubernetes
1.37's schemas (kubernetes-validate, strict: an unknown field fails), every process of docs/deploy.md is
there (web, a worker per Celery queue the settings route to, one beat replaced by Recreate, the journal's
consumers, PgBouncer) with its probes on the app's own health views, resources and a disruption budget,
the migration Job runs the release steps, and the environment every app container gets starts the
settings with QILU_ENV=prod — every variable production requires is provided, every one is documented."""

import base64
import copy
import functools
import json
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from django.conf import settings
from django.urls import resolve

from portal import views

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES = "1.37"
APP_IMAGE = "registry.example.gov.cn/qilu/app"
# What kustomize does with each key these kustomizations use; any other key fails the render.
SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "images", "replicas", "patches"}


# --- a renderer for the kustomize features used here --------------------------------------------


def _merge(base, patch):
    """Strategic merge as kustomize applies it to the fields patched here: maps merge key by key; lists of
    named items (containers, env, volumes, httpHeaders) merge item by item on `name`; other lists are replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    named = isinstance(base, list) and isinstance(patch, list) and all(isinstance(item, dict) and "name" in item for item in base + patch)
    if named:
        merged = [copy.deepcopy(item) for item in base]
        for item in patch:
            index = next((i for i, old in enumerate(merged) if old["name"] == item["name"]), None)
            if index is None:
                merged.append(copy.deepcopy(item))
            else:
                merged[index] = _merge(merged[index], item)
        return merged
    return copy.deepcopy(patch)


def _containers(document: dict) -> list[dict]:
    spec = document.get("spec", {})
    pod = spec.get("jobTemplate", {}).get("spec", spec).get("template", {}).get("spec", {})
    return pod.get("initContainers", []) + pod.get("containers", [])


def render(directory: Path) -> list[dict]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    assert set(kustomization) <= SUPPORTED, f"{directory}: kustomize features this renderer does not know: {set(kustomization) - SUPPORTED}"
    documents = []
    for resource in kustomization.get("resources", []):
        path = directory / resource
        documents += render(path) if path.is_dir() else [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    by_name = {(doc["kind"], doc["metadata"]["name"]): doc for doc in documents}
    assert len(by_name) == len(documents), f"{directory}: two objects share a kind and name"
    for patch in kustomization.get("patches", []):
        assert set(patch) == {"path"}, patch
        change = yaml.safe_load((directory / patch["path"]).read_text())
        key = (change["kind"], change["metadata"]["name"])
        assert key in by_name, f"{patch['path']} patches {key}, which the resources do not define"
        by_name[key] = _merge(by_name[key], change)
    for replicas in kustomization.get("replicas", []):
        (target,) = [doc for (kind, name), doc in by_name.items() if name == replicas["name"] and kind in ("Deployment", "StatefulSet")]
        target["spec"]["replicas"] = replicas["count"]
    for document in by_name.values():
        if "namespace" in kustomization:
            document["metadata"]["namespace"] = kustomization["namespace"]
        for image in kustomization.get("images", []):
            for container in _containers(document):
                name = re.split(r"[:@]", container["image"])[0]
                if name == image["name"]:  # as kustomize: the name as the image stands now (a base's newName, in an overlay)
                    container["image"] = f"{image.get('newName', name)}:{image['newTag']}"
    return list(by_name.values())


@pytest.fixture(scope="module")
def production() -> list[dict]:
    return render(K8S / "overlays" / "production")


def _one(documents, kind, name) -> dict:
    (found,) = [doc for doc in documents if doc["kind"] == kind and doc["metadata"]["name"] == name]
    return found


def _workloads(documents) -> list[dict]:
    return [doc for doc in documents if doc["kind"] in ("Deployment", "StatefulSet", "Job")]


def _app_containers(documents) -> list[tuple[str, dict]]:
    return [(f"{doc['metadata']['name']}/{container['name']}", container) for doc in _workloads(documents) for container in _containers(doc)
            if container["image"].startswith(APP_IMAGE)]


# --- the renderer does what kustomize does ---------------------------------------------------------


def test_the_renderer_merges_named_lists_and_replaces_others():
    base = {"containers": [{"name": "web", "image": "a", "args": ["x"]}, {"name": "proxy", "image": "b"}], "ports": [1, 2]}
    patch = {"containers": [{"name": "web", "args": ["y"], "env": [{"name": "A", "value": "1"}]}], "ports": [3]}
    assert _merge(base, patch) == {"containers": [{"name": "web", "image": "a", "args": ["y"], "env": [{"name": "A", "value": "1"}]},
                                                  {"name": "proxy", "image": "b"}], "ports": [3]}


def test_the_overlay_sets_namespace_release_sizes_and_site(production):
    web = _one(production, "Deployment", "qilu-web")
    assert {doc["metadata"].get("namespace") for doc in production} == {"qilu"}
    assert {container["image"] for _, container in _app_containers(production)} == {f"{APP_IMAGE}:2026.12.06"}
    assert web["spec"]["replicas"] == 12
    (gunicorn,) = [c for c in web["spec"]["template"]["spec"]["containers"] if c["name"] == "web"]
    assert gunicorn["resources"]["requests"] == {"cpu": "2", "memory": "768Mi"}
    assert gunicorn["command"][0].endswith("/gunicorn")  # the base's fields survive the patch
    assert _one(production, "ConfigMap", "qilu-config")["data"]["QILU_PUBLIC_URL"] == "https://qilu.sd.gov.cn"
    assert _one(production, "ConfigMap", "qilu-config")["data"]["QILU_ENV"] == "prod"


# --- Kubernetes accepts every object ------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _schemas_read_once():
    """kubernetes-validate reads its 1.8 MB definitions file again for every object: read each file once."""
    from kubernetes_validate import utils

    read = utils.schema_contents
    utils.schema_contents = functools.lru_cache(maxsize=None)(read)
    yield
    utils.schema_contents = read


@pytest.mark.parametrize("directory", ["base", "overlays/production"])
def test_every_rendered_object_validates_against_kubernetes(directory):
    documents = render(K8S / directory)
    assert len(documents) >= 20
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES, strict=True)  # raises on an unknown field, a wrong type or a missing schema


def test_the_validator_refuses_a_wrong_manifest(production):
    broken = copy.deepcopy(_one(production, "Deployment", "qilu-web"))
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["port"] = {"name": "gunicorn"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


# --- the processes of docs/deploy.md ------------------------------------------------------------------


def _command(documents, kind, name, container="") -> list[str]:
    pod = _one(documents, kind, name)["spec"]["template"]["spec"]
    return next(c for c in pod["containers"] if not container or c["name"] == container)["command"]


def test_every_process_runs(production):
    assert _command(production, "Deployment", "qilu-web", "web")[1:] == ["-c", "deploy/gunicorn.conf.py", "portal.wsgi"]
    assert (ROOT / "deploy" / "gunicorn.conf.py").is_file()
    for queue in settings.CELERY_TASK_QUEUES_BY_WORKLOAD:  # a worker for every queue the settings route to
        command = _command(production, "Deployment", f"qilu-worker-{queue}")
        assert command[command.index("-Q") + 1] == queue
    beat = _one(production, "Deployment", "qilu-beat")
    assert (beat["spec"]["replicas"], beat["spec"]["strategy"]["type"]) == (1, "Recreate")
    assert "beat" in _command(production, "Deployment", "qilu-beat")
    assert _command(production, "StatefulSet", "qilu-journal")[1:] == ["manage.py", "journal_consume", "--name", "$(POD_NAME)"]
    assert _command(production, "Deployment", "qilu-search")[1:] == ["manage.py", "search_serve"]
    assert _command(production, "Deployment", "qilu-pgbouncer") == ["/usr/sbin/pgbouncer", "/etc/pgbouncer/pgbouncer.ini"]
    assert "pool_mode = transaction" in _one(production, "ConfigMap", "qilu-pgbouncer")["data"]["pgbouncer.ini"]
    assert _one(production, "ConfigMap", "qilu-config")["data"]["DB_TRANSACTION_POOLING"] == "true"


def test_the_migration_job_runs_the_release_steps_and_every_process_waits_for_it(production):
    job = _one(production, "Job", "qilu-migrate")
    (script,) = [c["command"][-1] for c in job["spec"]["template"]["spec"]["containers"]]
    assert re.fullmatch(r"\S*python manage.py migrate --no-input && \S*python manage.py signing_keys ensure", script)
    for workload in [doc for doc in _workloads(production) if doc["kind"] != "Job" and doc["metadata"]["name"] != "qilu-pgbouncer"]:
        (first, *_) = workload["spec"]["template"]["spec"]["initContainers"]
        assert "manage.py migrate --check" in first["command"][-1], workload["metadata"]["name"]


def test_web_probes_ask_the_apps_health_views_with_an_allowed_host(production):
    (web,) = [c for c in _one(production, "Deployment", "qilu-web")["spec"]["template"]["spec"]["containers"] if c["name"] == "web"]
    ports = {port["name"] for port in web["ports"]}
    allowed = _one(production, "ConfigMap", "qilu-config")["data"]["ALLOWED_HOSTS"].split(",")
    views_asked = {}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        get = web[probe]["httpGet"]
        assert get["port"] in ports
        assert [header["value"] for header in get["httpHeaders"] if header["name"] == "Host"][0] in allowed  # else Django answers 400
        views_asked[probe] = resolve(get["path"]).func
    assert views_asked == {"startupProbe": views.readyz, "readinessProbe": views.healthz, "livenessProbe": views.healthz}


def test_every_container_has_resources_and_every_scaled_process_a_disruption_budget(production):
    for document in _workloads(production):
        for container in _containers(document):
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) == {"cpu", "memory"}, (document["metadata"]["name"], container["name"])
    budgets = [doc for doc in production if doc["kind"] == "PodDisruptionBudget"]
    for document in [doc for doc in _workloads(production) if doc["kind"] != "Job"]:
        labels = document["spec"]["template"]["metadata"]["labels"]
        covering = [b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        assert len(covering) == (0 if document["metadata"]["name"] == "qilu-beat" else 1), document["metadata"]["name"]
        assert document["spec"]["selector"]["matchLabels"].items() <= labels.items()


# --- configuration: what production requires is there, and documented --------------------------------

SECRET_VALUES = {  # a value of the right shape for each secret a container takes from qilu-secrets
    "SECRET_KEY": lambda: secrets.token_urlsafe(64),
    "QILU_MASTER_KEY": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    "DATABASE_URL": lambda: "postgres://qilu:pw@qilu-pgbouncer:6432/qilu",
    "REDIS_URL": lambda: "redis://qilu-redis:6379/0",
}


def _environment(container: dict, documents) -> dict[str, str]:
    """The variables a container starts with: its ConfigMaps, its literal values, its required secrets."""
    environment = {}
    for source in container.get("envFrom", []):
        environment.update(_one(documents, "ConfigMap", source["configMapRef"]["name"])["data"])
    for variable in container.get("env", []):
        reference = variable.get("valueFrom", {}).get("secretKeyRef")
        if "value" in variable:
            environment[variable["name"]] = variable["value"]
        elif reference and not reference.get("optional"):
            environment[variable["name"]] = SECRET_VALUES[reference["key"]]()
        elif "fieldRef" in variable.get("valueFrom", {}):
            environment[variable["name"]] = "qilu-pod-0"
    return environment


_READ_SETTINGS = """
import importlib, json, os, sys
answers = []
for environment in json.load(sys.stdin):
    os.environ.clear()
    os.environ.update(environment)
    try:
        importlib.reload(sys.modules["portal.settings"]) if "portal.settings" in sys.modules else importlib.import_module("portal.settings")
        answers.append("")
    except Exception as refused:  # ImproperlyConfigured: every problem, listed
        answers.append(str(refused))
print(json.dumps(answers))
"""


def _settings_problems(*environments: dict[str, str]) -> list[str]:
    """What portal/settings.py says, started with each environment in turn (one Python process: reloads)."""
    done = subprocess.run([sys.executable, "-c", _READ_SETTINGS], cwd=ROOT, input=json.dumps([{"PATH": "/usr/bin:/bin", **e} for e in environments]),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_app_container_starts_the_production_settings(production):
    (refusal,) = _settings_problems({"QILU_ENV": "prod"})
    required = set(re.findall(r"^  - ([A-Z_]+) ", refusal, re.MULTILINE))
    assert {"SECRET_KEY", "QILU_MASTER_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "QILU_PUBLIC_URL"} <= required
    environments = {}
    for name, container in _app_containers(production):
        environment = _environment(container, production)
        assert required <= set(environment), f"{name} lacks {required - set(environment)}"
        environments.setdefault(tuple(sorted(k for k in environment if k not in SECRET_VALUES)), environment)
    assert len(_app_containers(production)) >= 10
    *started, control = _settings_problems(*environments.values(), {**environment, "QILU_MASTER_KEY": ""})
    assert started == [""] * len(environments)
    assert "QILU_MASTER_KEY is not set" in control  # the control: one missing is refused


def test_every_variable_given_is_documented(production):
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs" / "configuration.md").read_text()))
    given = {variable["name"] for _, container in _app_containers(production) for variable in container.get("env", [])}
    given |= set(_one(production, "ConfigMap", "qilu-config")["data"])
    assert given - {"POD_NAME"} <= documented, given - documented


# --- the proxy beside gunicorn --------------------------------------------------------------------------


def test_the_web_pods_proxy_sends_what_the_documented_nginx_sends(production, tmp_path):
    config = _one(production, "ConfigMap", "qilu-proxy")["data"]
    pod = _one(production, "Deployment", "qilu-web")["spec"]["template"]["spec"]
    (proxy,) = [c for c in pod["containers"] if c["name"] == "proxy"]
    (mount,) = [m["mountPath"] for m in proxy["volumeMounts"] if m["name"] == "proxy-config"]
    assert [v["configMap"]["name"] for v in pod["volumes"] if v["name"] == "proxy-config"] == ["qilu-proxy"]
    assert proxy["command"][proxy["command"].index("-c") + 1] == f"{mount}/nginx.conf"  # nginx reads the mounted file
    assert f"include {mount}/qilu-proxy.conf;" in config["nginx.conf"]
    assert config["qilu-proxy.conf"] == (ROOT / "deploy" / "nginx-proxy.conf").read_text()
    assert _one(production, "ConfigMap", "qilu-config")["data"]["QILU_TRUSTED_PROXY_IPS"] == "127.0.0.1"  # nginx reaches gunicorn over loopback
    (tmp_path / "qilu-proxy.conf").write_text(config["qilu-proxy.conf"])
    (tmp_path / "nginx.conf").write_text(config["nginx.conf"].replace("/etc/nginx/qilu/", "/tmp/").replace("/tmp/", f"{tmp_path}/"))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    done = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
