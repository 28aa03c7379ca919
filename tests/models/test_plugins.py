"""Model plugins: a package declares models in the `lucid.models` entry-point group and lucid's registry, and so
`lucid-viz`, sees them by name, imports them only when asked, and says which entry point is at fault when one breaks.

Each test writes a small distribution by hand (a module and a `*.dist-info` folder, as pip would leave them) into
its tmp_path and puts that folder on sys.path, so no install is needed and nothing outlives the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import lucid
import lucid.models as models
from lucid.models import registry

REPO = Path(__file__).resolve().parents[2]

TINY_NET = """
from lucid import nn


def tiny_net(num_classes: int = 10, width: int = 4) -> nn.Module:
    if num_classes < 1:
        raise ValueError(f"num_classes must be >= 1, got {num_classes}")
    return nn.Sequential(
        nn.Conv2d(3, width, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(width * 8 * 8, num_classes),
    )


tiny_net.default_input_shape = (1, 3, 8, 8)
"""

PLAIN_NET = """
from lucid import nn


def plain(num_classes: int = 2) -> nn.Module:
    return nn.Linear(4, num_classes)
"""

DECORATED_NET = """
from lucid import nn
from lucid.models import register_model


@register_model(default_input_shape=(1, 4))
def deco_net(num_classes: int = 3) -> nn.Module:
    return nn.Linear(4, num_classes)
"""


def write_distribution(root: Path, name: str, entry_points: dict[str, str], modules: dict[str, str]) -> None:
    """A distribution as an installer leaves it: module files plus `<name>-0.1.dist-info` with its metadata."""
    for module, source in modules.items():
        package = root.joinpath(*module.split("."))
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = root / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    lines = "".join(f"{point} = {value}\n" for point, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[lucid.models]\n{lines}", encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path to write distributions into; the registry and sys.modules are restored afterwards."""
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    monkeypatch.syspath_prepend(str(tmp_path))
    modules_before = set(sys.modules)
    yield tmp_path
    for module in set(sys.modules) - modules_before:
        del sys.modules[module]
    registry.refresh_plugins()


@pytest.fixture
def myplug(site: Path) -> Path:
    write_distribution(
        site,
        "myplug",
        {"myplug_tiny": "myplug:tiny_net", "myplug_plain": "myplug.nets:plain"},
        {"myplug": TINY_NET, "myplug.nets": PLAIN_NET},
    )
    models.refresh_plugins()
    return site


def test_listing_plugins_sorts_them_with_the_builtins_and_imports_nothing(myplug: Path) -> None:
    names = models.list_models()
    assert names == sorted(names)
    assert {"efficientformer_l1", "myplug_plain", "myplug_tiny"} <= set(names)
    assert models.list_models("myplug_*") == ["myplug_plain", "myplug_tiny"]
    assert models.is_model("myplug_tiny") and not models.is_model("myplug")
    assert "myplug" not in sys.modules


def test_create_model_builds_a_plugin_under_its_entry_point_name(myplug: Path) -> None:
    model = models.create_model("myplug_tiny", num_classes=5, width=2)
    assert model.model_name == "myplug_tiny"  # the entry point's name, not the function's (tiny_net)
    assert model.default_input_shape == (1, 3, 8, 8)
    with lucid.no_grad():
        assert model(lucid.randn(2, 3, 8, 8)).shape == (2, 5)
    entry = models.get_model_entry("myplug_tiny")
    assert (entry.name, entry.family, entry.default_input_shape) == ("myplug_tiny", "myplug", (1, 3, 8, 8))
    assert entry.plugin == "'myplug_tiny = myplug:tiny_net' (distribution myplug 0.1)"
    # The factory's own validation still reaches the caller, as for a built-in.
    with pytest.raises(ValueError, match="num_classes must be >= 1, got 0"):
        models.create_model("myplug_tiny", num_classes=0)


def test_a_factory_without_an_input_shape_gets_the_image_default(myplug: Path) -> None:
    entry = models.get_model_entry("myplug_plain")
    assert (entry.family, entry.default_input_shape) == ("nets", (1, 3, 224, 224))
    assert models.create_model("myplug_plain", num_classes=7).out_features == 7


def test_a_plugin_module_that_uses_register_model_keeps_its_entry(site: Path) -> None:
    write_distribution(site, "decoplug", {"deco_net": "decoplug:deco_net"}, {"decoplug": DECORATED_NET})
    models.refresh_plugins()
    entry = models.get_model_entry("deco_net")
    assert entry.default_input_shape == (1, 4)  # from the decorator, not the image default
    assert entry.factory is sys.modules["decoplug"].deco_net
    assert "deco_net = decoplug:deco_net" in entry.plugin
    assert models.create_model("deco_net", num_classes=6).model_name == "deco_net"
    assert models.get_model_entry("deco_net") is models.get_model_entry("deco_net")


BROKEN = {
    "import fails": ("raise ImportError('needs scipy')\n", r"failed to load: ImportError: needs scipy"),
    "attribute missing": ("def other():\n    pass\n", r"failed to load: AttributeError: .*'make'"),
    "not callable": ("make = 42\n", r"gives int 42, not a model factory"),
    "a model object": (
        "from lucid import nn\nmake = nn.Linear(2, 2)\n",
        r"gives an nn\.Module object, not a model factory",
    ),
    "bad input shape": (
        "def make():\n    pass\nmake.default_input_shape = (1, 0)\n",
        r"default_input_shape must be positive ints, got \(1, 0\)",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_plugin_names_its_entry_point_and_leaves_the_rest_working(myplug: Path, case: str) -> None:
    source, message = BROKEN[case]
    write_distribution(myplug, "brokenplug", {"broken": "brokenplug:make"}, {"brokenplug": source})
    models.refresh_plugins()
    assert "broken" in models.list_models()  # listed without being imported, so listing cannot fail
    where = r"plugin entry point 'broken = brokenplug:make' \(distribution brokenplug 0\.1\)"
    with pytest.raises(ValueError, match=f"{where}.*{message}"):
        models.create_model("broken")
    assert models.create_model("myplug_tiny").model_name == "myplug_tiny"
    assert models.create_model("efficientformer_l1", num_classes=3).model_name == "efficientformer_l1"


def test_a_factory_returning_something_else_is_a_type_error_naming_the_entry_point(site: Path) -> None:
    write_distribution(site, "oddplug", {"odd": "oddplug:make"}, {"oddplug": "def make():\n    return 42\n"})
    models.refresh_plugins()
    with pytest.raises(
        TypeError, match=r"'odd' \(plugin entry point 'odd = oddplug:make'.*returned int, not an nn\.Module"
    ):
        models.create_model("odd")


def test_a_plugin_reusing_a_builtin_name_is_an_error_naming_both(site: Path) -> None:
    write_distribution(site, "clashplug", {"efficientformer_l1": "clashplug:make"}, {"clashplug": PLAIN_NET})
    models.refresh_plugins()
    assert models.list_models().count("efficientformer_l1") == 1
    with pytest.raises(ValueError, match="defined twice") as info:
        models.get_model_entry("efficientformer_l1")
    message = str(info.value)
    assert "lucid.models.efficientformer.efficientformer_l1" in message
    assert "'efficientformer_l1 = clashplug:make' (distribution clashplug 0.1)" in message
    with pytest.raises(ValueError, match="defined twice"):
        models.create_model("efficientformer_l1")


def test_two_plugins_declaring_one_name_is_an_error_naming_both(site: Path) -> None:
    write_distribution(site, "first_plug", {"twin": "first_plug:plain"}, {"first_plug": PLAIN_NET})
    write_distribution(site, "second_plug", {"twin": "second_plug:plain"}, {"second_plug": PLAIN_NET})
    models.refresh_plugins()
    assert "twin" in models.list_models()
    with pytest.raises(ValueError, match="declared by 2 plugin entry points") as info:
        models.create_model("twin")
    assert "(distribution first_plug 0.1)" in str(info.value) and "(distribution second_plug 0.1)" in str(info.value)
    assert "first_plug" not in sys.modules and "second_plug" not in sys.modules


def test_refresh_finds_a_package_installed_into_a_folder_already_on_the_path(site: Path) -> None:
    assert "myplug_tiny" not in models.list_models()
    write_distribution(site, "myplug", {"myplug_tiny": "myplug:tiny_net"}, {"myplug": TINY_NET})
    models.refresh_plugins()
    assert "myplug_tiny" in models.list_models()


def test_plugins_vanish_with_their_folder_from_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_distribution(tmp_path, "myplug", {"myplug_tiny": "myplug:tiny_net"}, {"myplug": TINY_NET})
    with monkeypatch.context() as patch:
        patch.syspath_prepend(str(tmp_path))
        assert models.is_model("myplug_tiny")
    # A changed sys.path is noticed without a refresh.
    assert not models.is_model("myplug_tiny")


# ---- through the lucid-viz command, in a process of its own --------------------------------------------------


def _viz(site: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}
    return subprocess.run(
        [sys.executable, "-m", "viz", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=REPO / "tests",
        env=env,
    )


def test_lucid_viz_lists_and_draws_a_plugin_model(myplug: Path) -> None:
    listed = _viz(myplug, "--list")
    assert listed.returncode == 0, listed.stderr
    assert {"efficientformer_l1", "myplug_tiny"} <= set(listed.stdout.split())

    drawn = _viz(myplug, "myplug_tiny", "--input-shape", "2,3,8,8")
    assert (drawn.returncode, drawn.stderr) == (0, ""), drawn.stderr
    lines = drawn.stdout.splitlines()
    assert "flowchart LR" in lines[:3]
    assert any(line.startswith("subgraph ") and ">myplug_tiny</span>" in line for line in lines)
    assert "Conv2d" in drawn.stdout and "Linear" in drawn.stdout


def test_lucid_viz_snapshot_writes_a_plugin_models_golden_file(myplug: Path, tmp_path_factory) -> None:
    out = tmp_path_factory.mktemp("golden")
    result = _viz(myplug, "snapshot", "myplug_tiny", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert [path.name for path in out.iterdir()] == ["myplug_tiny.txt"]
    lines = (out / "myplug_tiny.txt").read_text(encoding="utf-8").splitlines()
    assert 'model "myplug_tiny"' in lines and "input (1,3,8,8)" in lines  # its own default input shape


def test_lucid_viz_reports_a_broken_plugin_in_one_line(site: Path) -> None:
    write_distribution(site, "brokenplug", {"broken": "brokenplug:make"}, {"brokenplug": "raise ImportError('no')\n"})
    result = _viz(site, "broken")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "'broken = brokenplug:make' (distribution brokenplug 0.1) failed to load: ImportError: no" in result.stderr


def test_a_plugin_model_is_documented_and_resolved_like_a_builtin(myplug: Path) -> None:
    import viz
    from viz.docs import collect_site, render_pages

    source = viz.resolve("myplug_tiny", {"width": 3}, meta=True)
    assert (source.name, source.default_input_shape) == ("myplug_tiny", (1, 3, 8, 8))
    assert viz.trace_shapes("myplug_tiny").output_shapes == [(1, 10)]
    pages = render_pages(collect_site(names=["myplug_tiny"]))
    page = pages["models/myplug/myplug_tiny.md"]
    assert "myplug_tiny" in page and "```mermaid" in page
    assert "(1,3,8,8) → (1,4,8,8)" in page  # the chart, traced shape-only at the plugin's own input shape
