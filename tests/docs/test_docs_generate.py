"""The generated docs: current with the code, faithful to the seed page, and open to new model families."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import lucid.models as models
from lucid.models import registry
from viz.docs import collect_site, generate_docs, render_pages, template_dir
from viz.docs.build import write_pages

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
GOLDEN_CHART = REPO / "tests" / "golden" / "efficientformer_l1.mmd"
FENCE = re.compile(r"^```mermaid\n(.*?)^```$", re.M | re.S)


def test_committed_pages_match_what_the_code_generates() -> None:
    steps: list[tuple[int, int, str]] = []
    differing = generate_docs(DOCS, check=True, progress=lambda done, total, label: steps.append((done, total, label)))
    assert differing == [], (
        "these committed pages differ from what the code generates; run `lucid-viz docs` and commit:\n"
        + "\n".join(str(p) for p in differing)
    )
    # The progress display counts up to its total, once per model and then the guide and the writing.
    assert [done for done, _, _ in steps] == sorted(done for done, _, _ in steps)
    assert steps[-1][0] == steps[-1][1] == len(models.list_models()) + 2


def test_check_reports_edited_missing_and_stale_pages_and_writing_fixes_them(tmp_path: Path) -> None:
    site = {"families": [], "model_count": 0, "zoo_summary": "", "guide": {"model": None}, "steps": 0}
    pages = render_pages(site)
    assert sorted(pages) == ["getting-started.md", "guide.md", "index.md"]
    assert write_pages(tmp_path, pages) == sorted(tmp_path / rel for rel in pages)
    assert write_pages(tmp_path, pages, check=True) == []
    # Edited, missing, and stale (a page for a model that is no longer registered) all count.
    (tmp_path / "index.md").write_text("# edited by hand\n", encoding="utf-8")
    (tmp_path / "guide.md").unlink()
    stale = tmp_path / "models" / "gone" / "index.md"
    stale.parent.mkdir(parents=True)
    stale.write_text("# Gone\n", encoding="utf-8")
    expected = sorted([tmp_path / "index.md", tmp_path / "guide.md", stale])
    assert write_pages(tmp_path, pages, check=True) == expected
    assert not (tmp_path / "guide.md").exists() and stale.exists()  # --check writes nothing
    assert write_pages(tmp_path, pages) == expected
    assert not stale.exists() and (tmp_path / "index.md").read_text(encoding="utf-8") == pages["index.md"]
    assert write_pages(tmp_path, pages, check=True) == []


def _page(rel: str) -> str:
    return (DOCS / rel).read_text(encoding="utf-8")


def _colour_last(chart: str) -> str:
    # The only change the docs may make to the reference chart: the label colour moves last so Mermaid 11 keeps it.
    return re.sub(r"color:(#[0-9a-fA-F]{6});font-weight:400", r"font-weight:400;color:\1", chart)


def test_efficientformer_page_carries_the_seed_chart_and_sections() -> None:
    page = _page("models/efficientformer/index.md")
    charts = FENCE.findall(page)
    assert len(charts) == 1
    assert charts[0] == _colour_last(GOLDEN_CHART.read_text(encoding="utf-8"))
    assert "color:#c53030;font-weight" not in charts[0]  # the form Mermaid 11 draws grey

    headings = re.findall(r"^(#{1,2}) (.+)$", page, re.M)
    assert headings[0] == ("#", "EfficientFormer")
    sections = [text for level, text in headings if level == "##"]
    seed_order = ["Class Signature", "Parameters", "Architecture", "Examples"]
    assert [s for s in sections if s in seed_order] == seed_order
    # The seed's facts, in the seed's order: badges, signature, summary, chart, then the sections.
    facts = [
        '<span class="lucid-badge">Transformer</span>',
        '<span class="lucid-badge">Vision Transformer</span>',
        "class lucid.models.EfficientFormer(config: EfficientFormerConfig)",
        "The EfficientFormer module implements a lightweight hybrid vision architecture that combines "
        "convolutional meta-blocks and transformer-style token blocks in a hierarchical pipeline. Model "
        "structure is defined through EfficientFormerConfig.",
        "```mermaid",
        "class EfficientFormer(nn.Module):\n    def __init__(self, config: EfficientFormerConfig) -> None",
        "`config` (*EfficientFormerConfig*): Configuration object describing the stage depths, stage widths, "
        "downsampling schedule, number of final-stage token blocks, and classifier settings.",
        "EfficientFormer uses a stage-wise hybrid design:",
        "**Convolutional Stem**:\nTwo strided convolutions convert the image into a stage-1 feature map.",
        "**MetaBlock Stages**:\nEarly stages use 2D pooling-based meta-blocks with convolutional MLPs. "
        "The final stage can switch the last num_vit blocks to token-space attention blocks.",
        "**Hierarchical Downsampling**:\nStage widths increase progressively through the network. "
        "Downsampling is configurable per stage.",
        "**Classification Head**:\nThe final token or pooled sequence is normalized and projected to num_classes.",
        ">>> import lucid.models as models\n>>> config = models.EfficientFormerConfig(\n"
        "...     depths=(3, 2, 6, 4),\n...     embed_dims=(48, 96, 224, 448),\n...     num_classes=1000,\n"
        "...     num_vit=1,\n... )\n>>> model = models.EfficientFormer(config)",
    ]
    positions = [page.find(fact) for fact in facts]
    assert -1 not in positions, [fact for fact, pos in zip(facts, positions, strict=True) if pos < 0]
    assert positions == sorted(positions)


@pytest.mark.parametrize(("name", "total"), [("l1", "11,840,928"), ("l3", "30,893,000"), ("l7", "81,460,328")])
def test_factory_pages_show_signature_parameters_preset_and_own_chart(name: str, total: str) -> None:
    factory = f"efficientformer_{name}"
    page = _page(f"models/efficientformer/{factory}.md")
    model = models.create_model(factory)
    assert f"{sum(p.size for p in model.parameters()):,}" == total
    assert f"**Total Parameters: {total}**" in page
    assert f"def {factory}(num_classes: int = 1000, **kwargs: Any) -> EfficientFormer" in page
    assert "- `num_classes` (*int*, default `1000`): Number of classifier outputs" in page
    assert "## Returns" in page
    config = model.config
    preset = (
        f"depths={tuple(config.depths)},\n    embed_dims={tuple(config.embed_dims)},\n    num_vit={config.num_vit},"
    )
    assert preset in page
    (chart,) = FENCE.findall(page)
    assert f"<span style='font-size:20px;font-weight:700'>{factory}</span>" in chart


def test_config_page_explains_every_field_and_its_rules() -> None:
    page = _page("models/efficientformer/config.md")
    assert "@dataclass(frozen=True)\nclass EfficientFormerConfig:" in page
    for field in models.EfficientFormerConfig.__dataclass_fields__:
        row = re.search(rf"^\| `{field}` \|.*\| (.+) \|$", page, re.M)
        assert row and row.group(1).strip(), f"field {field} has no explanation on the config page"
    assert "    layer_scale_init_value: float = 1e-05" in page
    assert "    act_layer: type[nn.Module] = nn.GELU" in page
    assert "## Validation" in page and "`num_vit` is at most `depths[-1]`" in page
    assert "## Usage" in page


def test_index_lists_every_model_with_its_parameters_and_macs() -> None:
    import viz

    page = _page("index.md")
    rows = {}
    for name in models.list_models():
        total = sum(p.size for p in models.create_model(name).parameters())
        row = re.search(
            rf"\[`{name}`\]\(models/\w+/{name}\.md\) \| `\(1, 3, 224, 224\)` \| {total:,} \| ([\d,]+) \|", page
        )
        assert row, name
        rows[name] = row.group(1)
    assert rows["efficientformer_l1"] == f"{viz.summary(models.create_model('efficientformer_l1')).total_macs:,}"


def test_getting_started_has_the_readme_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.+?)\n```", readme)
    assert len(commands) >= 2
    page = _page("getting-started.md")
    for command in commands[:2]:
        assert f"```bash\n{command}\n```" in page


def test_guide_shows_the_real_cli_output() -> None:
    from viz.cli import main

    page = _page("guide.md")
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--list"]) == 0
    assert f"```text\n{out.getvalue()}```" in page
    # The command-line chart is the reference chart byte for byte.
    assert f"```text\n{GOLDEN_CHART.read_text(encoding='utf-8').rstrip()}\n```" in page


@pytest.fixture
def tinynet_family(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Register the toy family for one test; the registry is restored afterwards."""
    from tests.docs import tinynet

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    registry.register_model(default_input_shape=(1, 3, 16, 16))(tinynet.tinynet_s)
    yield "tinynet_s"


def test_a_new_family_with_docstrings_gets_its_pages(tinynet_family: str, tmp_path: Path) -> None:
    site = collect_site(names=[tinynet_family])
    pages = render_pages(site)
    assert {"models/tinynet/index.md", "models/tinynet/config.md", "models/tinynet/tinynet_s.md"} <= set(pages)
    family = pages["models/tinynet/index.md"]
    assert family.startswith("# TinyNet\n\n<!-- Generated")
    assert "TinyNet squeezes an image through one convolution into class scores." in family
    assert "`config` (*TinyNetConfig*): How wide the convolution and the classifier are." in family
    (chart,) = FENCE.findall(family)
    assert (
        "Conv2d<br/><span style='font-size:11px;font-weight:400;color:#c53030'>(1,3,16,16) → (1,4,16,16)</span>"
        in chart
    )
    config = pages["models/tinynet/config.md"]
    assert "| `channels` | `int` | `8` | Output channels of the only convolution. |" in config
    assert "- `channels` and `num_classes` are positive." in config
    factory = pages["models/tinynet/tinynet_s.md"]
    total = sum(p.size for p in models.create_model(tinynet_family).parameters())
    assert f"**Total Parameters: {total:,}**" in factory
    assert "TinyNetConfig(\n    channels=4,\n)" in factory
    assert "[`tinynet_s`](models/tinynet/tinynet_s.md)" in pages["index.md"]

    # The site navigation picks the family up from the generated pages, titled by the page heading.
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from mkdocs_hooks import build_nav
    finally:
        sys.path.remove(str(REPO / "scripts"))
    for rel, text in pages.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    nav = build_nav(tmp_path)
    assert nav[-1] == {
        "Models": [
            {
                "TinyNet": [
                    "models/tinynet/index.md",
                    {"TinyNetConfig": "models/tinynet/config.md"},
                    {"tinynet_s": "models/tinynet/tinynet_s.md"},
                ]
            }
        ]
    }


def test_templates_ship_in_the_wheel(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = dist.glob("lucid-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = sorted(p.name for p in (REPO / "templates").glob("*.j2"))
    assert templates and {f"viz/templates/{t}" for t in templates} <= names
    assert {"viz/docs/build.py", "viz/cli/__init__.py", "viz/cli/docs.py", "viz/sources.py"} <= names
    # Installed (not editable), the generator finds its templates inside the package.
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(target), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    script = (
        "from viz.docs.build import environment, template_dir\n"
        "print(template_dir())\n"
        "print(sorted(environment().list_templates()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env={"PYTHONPATH": str(target)},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    where, listed = result.stdout.splitlines()
    assert Path(where) == target / "viz" / "templates"
    assert listed == str(templates)


def test_template_dir_in_a_checkout_is_the_top_level_folder() -> None:
    assert template_dir() in (REPO / "templates", Path(str(REPO / "templates")))
