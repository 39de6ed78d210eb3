"""The README stays the newcomer's page and cannot rot: at most 150 lines; every relative link in it
and in docs/*.md leads to a file that exists (and to a heading there, when it names one); every path
its map ("Where each rule lives") names exists, and a name given beside a file is defined in it."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
MAP = re.compile(r"<!-- map\b.*?-->(.*?)<!-- /map -->", re.S)
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
TICKED = re.compile(r"`([^`\n]+)`")
FILE_THEN_NAME = re.compile(r"`([\w./-]+\.(?:py|toml))`\s+`([^`\n]+)`")
DOTTED = re.compile(r"^([a-z_]+(?:\.[a-z_]+)+)\.([A-Za-z_]\w*)$")
FILE_NAME = re.compile(r"^[\w.-]+\.(?:py|toml|md|ini|txt|cfg|json|html|js)$")

PENDING: set[str] = set()  # paths the map names before they land (a change in flight); empty on main


def the_map() -> str:
    found = MAP.search(README.read_text(encoding="utf-8"))
    assert found, "README.md has no map section (<!-- map … --> … <!-- /map -->)"
    return found.group(1)


def is_path(token: str) -> bool:
    """A repository path as the map writes one: `core/quotas.py`, `tests/e2e/`, `pyproject.toml` —
    not a URL path (`/api/v1/`), a placeholder (`templates/<app>/`) or a dotted name."""
    if token.startswith("/") or any(c in token for c in "<> …*"):
        return False
    return "/" in token or bool(FILE_NAME.match(token))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = heading.strip().replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    result = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", text, re.M):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def links(page: Path) -> list[str]:
    text = INLINE_CODE.sub("", FENCE.sub("", page.read_text(encoding="utf-8")))
    return [target for target in LINK.findall(text) if not re.match(r"^[a-z][a-z0-9+.-]*:", target)]


def defines(path: Path, name: str) -> bool:
    text = path.read_text(encoding="utf-8")
    if not name.isidentifier():
        return name in text
    return bool(re.search(rf"^\s*(?:def|class)\s+{name}\b|^{name}\s*(?::[^=\n]*)?=", text, re.M))


def test_the_readme_is_at_most_150_lines():
    lines = README.read_text(encoding="utf-8").splitlines()

    assert len(lines) <= 150, f"README.md has {len(lines)} lines: move detail into docs/ and link it"


def test_the_readme_opens_with_the_two_commands():
    head = README.read_text(encoding="utf-8").splitlines()[:8]

    assert any(line.startswith("make run ") for line in head)
    assert any(line.startswith("make test ") for line in head)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page):
    broken = []
    for target in links(page):
        file_part, _, anchor = target.partition("#")
        destination = (page.parent / file_part).resolve() if file_part else page
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading #{anchor} in {destination.relative_to(ROOT)}")

    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_every_doc_is_linked_from_the_readme():
    linked = {(README.parent / target.partition("#")[0]).resolve() for target in links(README)}

    assert [page.name for page in PAGES[1:] if page.resolve() not in linked] == []


def test_every_path_in_the_map_exists():
    named = {token for token in TICKED.findall(the_map()) if is_path(token)}
    missing = sorted(path for path in named - PENDING if not (ROOT / path).exists())

    assert len(named) > 50, "the map names the owner module of each rule"
    assert missing == []


def test_the_pending_list_only_holds_paths_the_map_names_and_that_do_not_exist_yet():
    named = {token for token in TICKED.findall(the_map()) if is_path(token)}

    assert PENDING <= named
    assert [path for path in sorted(PENDING) if (ROOT / path).exists()] == [], "landed: remove it from PENDING"


def test_every_name_the_map_gives_beside_a_file_is_defined_there():
    pairs = FILE_THEN_NAME.findall(the_map())
    dotted = [(f"{module.replace('.', '/')}.py", name)
              for token in TICKED.findall(the_map()) if (found := DOTTED.match(token))
              for module, name in [found.groups()]]
    undefined = [f"{path} {name}" for path, name in pairs + dotted
                 if path not in PENDING and not defines(ROOT / path, name)]

    assert len(pairs) + len(dotted) >= 5
    assert undefined == []
