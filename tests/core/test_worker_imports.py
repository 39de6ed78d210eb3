"""Worker memory (issue 25): a gunicorn worker imports every app and the URL map at start, so a heavy
library imported at module level sits in every worker whether or not it serves that path. The
libraries only some paths or processes use — the knowledge search's rjieba dictionary, bm25s and
numpy, pypdf for uploads, WeasyPrint and pyHanko (and asn1crypto, which only pyHanko's seals need)
for PDFs, the holidays library outside the years services/workdays-cn.json keeps, Pillow, qrcode and
lxml for pictures, joserfc for a wallet's own key in OpenID4VCI/SD-JWT — are imported where they are used."""

import json
import os
import subprocess
import sys

from devtools.stack import ROOT

HEAVY = ("rjieba", "bm25s", "numpy", "pypdf", "weasyprint", "pyhanko", "asn1crypto", "joserfc", "openpyxl", "holidays", "PIL", "qrcode", "lxml")

WORKER = """
import json, resource, sys
sys.path.insert(0, ".")
from portal.wsgi import application  # what gunicorn's worker loads (deploy/gunicorn.conf.py: portal.wsgi)
from django.urls import get_resolver
get_resolver().url_patterns  # every urls.py, so every view module and what it imports
print(json.dumps({"modules": sorted(sys.modules), "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""


def test_the_web_worker_does_not_import_the_libraries_only_some_paths_use():
    done = subprocess.run([sys.executable, "-c", WORKER], cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    loaded = {name.split(".")[0] for name in report["modules"]}
    assert not loaded & set(HEAVY), f"imported at worker start: {sorted(loaded & set(HEAVY))}"
    assert "knowledge.retrieval" in report["modules"] and "services.services.uploads" in report["modules"]  # the paths are there, their libraries not


SEARCHING_WORKER = """
import datetime as dt, json, sys
sys.path.insert(0, ".")
from portal.wsgi import application
from knowledge import search, selectors
hits = search.ranked("驾照快到期了怎么换", today=dt.date(2026, 12, 6))  # no search process runs: no answer in time
codes = selectors.item_codes("驾照快到期了怎么换")  # the catalogue's ?q= ranker
print(json.dumps({"modules": sorted(sys.modules), "hits": hits, "codes": codes}))
"""


def test_a_web_worker_that_searches_still_does_not_load_the_ranking():
    """The catalogue's ?q= ranking and 智能问答 are asked of the search process (knowledge/search.py) in
    production: a worker that searched, answered or not, carries no rjieba, bm25s or numpy."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "KNOWLEDGE_SEARCH_PROCESS": "true", "KNOWLEDGE_SEARCH_TIMEOUT": "0.1"}
    done = subprocess.run([sys.executable, "-c", SEARCHING_WORKER], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["hits"] is None and report["codes"] == []
    loaded = {name.split(".")[0] for name in report["modules"]}
    assert not loaded & {"rjieba", "bm25s", "numpy"}, f"loaded by a search: {sorted(loaded & {'rjieba', 'bm25s', 'numpy'})}"


def test_the_search_still_loads_its_libraries_when_it_runs():
    from knowledge.lexicon import Segmenter

    assert Segmenter(["亮证码"]).tokens("出示亮证码") and "rjieba.rjieba" in sys.modules


def test_segmenters_with_the_same_words_share_one_dictionary():
    from knowledge.lexicon import Segmenter

    words = ["亮证码", "机动车驾驶证"]
    first, second, other = Segmenter(words), Segmenter(reversed(words)), Segmenter(["灵活就业"])
    assert first._jieba is second._jieba and other._jieba is not first._jieba  # each rjieba dictionary is ~25 MiB
    assert "亮证码" in first.tokens("出示亮证码") and "灵活就业" in other.tokens("灵活就业人员参保")


SEGMENTER = """
import json, re, sys
from pathlib import Path
sys.path.insert(0, ".")
def rss():
    return int(re.search(r"VmRSS:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) // 1024
from knowledge import lexicon
before = rss()
tokens = lexicon.Segmenter(["亮证码"]).tokens("出示亮证码")
grown = rss() - before
for words in (["机动车驾驶证"], ["灵活就业"], ["住房公积金"]):
    lexicon.Segmenter(words)
print(json.dumps({"tokens": tokens, "grown": grown, "package": "rjieba" in sys.modules, "kept": len(lexicon._DICTIONARIES)}))
"""


def test_one_dictionary_per_segmenting_process_and_no_more_than_two_kept():
    """rjieba's package builds a default dictionary at import that nothing here uses (~25 MiB): the
    native class is loaded without it, so a process that segments holds its own dictionary only; and
    the dictionaries kept by project words stay bounded (the index in use and its successor)."""
    done = subprocess.run([sys.executable, "-c", SEGMENTER], cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert "亮证码" in report["tokens"] and not report["package"]
    assert report["grown"] < 45, f"one segmenter grew the process by {report['grown']} MiB (one dictionary is ~33 MiB, two ~58)"
    assert report["kept"] == 2


FROZEN = """
import gc, json, runpy, sys
sys.path.insert(0, ".")
from portal.wsgi import application  # loaded before post_worker_init, as in gunicorn's worker
config = runpy.run_path("deploy/gunicorn.conf.py")
before = gc.get_freeze_count()
config["post_worker_init"](None)
print(json.dumps({"before": before, "frozen": gc.get_freeze_count(), "views": "portal.views" in sys.modules}))
"""


def test_a_web_worker_freezes_what_it_loaded_before_its_first_request():
    done = subprocess.run([sys.executable, "-c", FROZEN], cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["before"] == 0 and report["frozen"] > 50_000 and report["views"]  # the views too, not only the app
