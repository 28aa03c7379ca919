"""Hand-built traces for the viz tests: a small builder and an EfficientFormer-L1-like trace with the real shapes.

Calls are recorded in the order they start (a module before its submodules), as the tracer records them.
"""

from __future__ import annotations

from viz.ir import Call, ModuleNode, Shape, Trace

CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")
# lucid.nn classes used by these traces and their family (the lucid.nn.layers file they live in, as the tracer
# reports it); any other class is a user module.
BUILTIN_FAMILY = {
    "Conv2d": "conv", "BatchNorm2d": "norm", "LayerNorm": "norm", "ReLU": "activation", "GELU": "activation",
    "Softmax": "activation", "Identity": "linear", "Linear": "linear", "Flatten": "linear", "Dropout": "drop",
    "AvgPool2d": "pool", "Embedding": "sparse", "MSELoss": "loss", "Sequential": "container",
    "ModuleList": "container", "ModuleDict": "container",
}  # fmt: skip


class TraceBuilder:
    """Add modules by path (parents first), then record calls; `build` fills in totals and returns the Trace."""

    def __init__(self, model_name: str, root_class: str) -> None:
        self.model_name = model_name
        self.modules: dict[str, ModuleNode] = {}
        self.calls: list[Call] = []
        self.add("", root_class)

    def add(self, path: str, class_name: str, params: int = 0) -> str:
        builtin = class_name in BUILTIN_FAMILY
        name = path.rsplit(".", 1)[-1] if path else ""
        self.modules[path] = ModuleNode(
            path=path,
            name=name,
            class_name=class_name,
            family=BUILTIN_FAMILY.get(class_name, "user"),
            is_container=class_name in CONTAINERS,
            builtin=builtin,
            own_params=params,
            total_params=params,
        )
        if path:
            parent = path.rsplit(".", 1)[0] if "." in path else ""
            self.modules[parent].children.append(path)
        return path

    def call(self, path: str, inputs: Shape | list[Shape], outputs: Shape | list[Shape]) -> None:
        ins = [inputs] if isinstance(inputs, tuple) else list(inputs)
        outs = [outputs] if isinstance(outputs, tuple) else list(outputs)
        self.calls.append(Call(len(self.calls), path, ins, outs))

    def leaf(self, path: str, class_name: str, inputs: Shape, outputs: Shape, params: int = 0) -> None:
        self.add(path, class_name, params)
        self.call(path, inputs, outputs)

    def build(self, inputs: list[Shape], outputs: list[Shape]) -> Trace:
        modules = list(self.modules.values())
        # Totals bottom-up: children were added after their parents, so walk backwards.
        for module in reversed(modules):
            module.total_params = module.own_params + sum(self.modules[c].total_params for c in module.children)
        return Trace(self.model_name, inputs, outputs, modules, self.calls)


def _conv_params(cin: int, cout: int, k: int) -> int:
    return cin * cout * k * k + cout


def _metablock2d(b: TraceBuilder, path: str, dim: int, hw: int) -> None:
    x = (1, dim, hw, hw)
    hidden = (1, dim * 4, hw, hw)
    b.add(path, "_MetaBlock2d")
    b.call(path, x, x)
    b.add(f"{path}.token_mixer", "_Pooling")
    b.call(f"{path}.token_mixer", x, x)
    b.leaf(f"{path}.token_mixer.pool", "AvgPool2d", x, x)
    b.leaf(f"{path}.ls1", "_LayerScale2d", x, x, dim)
    b.leaf(f"{path}.drop_path1", "Identity", x, x)
    b.add(f"{path}.mlp", "_ConvMlpWithNorm")
    b.call(f"{path}.mlp", x, x)
    b.leaf(f"{path}.mlp.fc1", "Conv2d", x, hidden, _conv_params(dim, dim * 4, 1))
    b.leaf(f"{path}.mlp.norm1", "BatchNorm2d", hidden, hidden, 2 * dim * 4)
    b.leaf(f"{path}.mlp.act", "GELU", hidden, hidden)
    b.leaf(f"{path}.mlp.fc2", "Conv2d", hidden, x, _conv_params(dim * 4, dim, 1))
    b.leaf(f"{path}.mlp.norm2", "BatchNorm2d", x, x, 2 * dim)
    b.leaf(f"{path}.mlp.drop", "Dropout", x, x)
    b.leaf(f"{path}.ls2", "_LayerScale2d", x, x, dim)
    b.leaf(f"{path}.drop_path2", "Identity", x, x)


def _metablock1d(b: TraceBuilder, path: str, dim: int, tokens: int) -> None:
    x = (1, tokens, dim)
    b.add(path, "_MetaBlock1d")
    b.call(path, x, x)
    b.leaf(f"{path}.norm1", "LayerNorm", x, x, 2 * dim)
    b.add(f"{path}.token_mixer", "_Attention", 8 * tokens)
    b.call(f"{path}.token_mixer", x, x)
    qkv = 2 * 32 * 8 + 4 * 32 * 8
    b.leaf(f"{path}.token_mixer.qkv", "Linear", x, (1, tokens, qkv), dim * qkv + qkv)
    b.leaf(f"{path}.token_mixer.proj", "Linear", (1, tokens, 4 * 32 * 8), x, 4 * 32 * 8 * dim + dim)
    b.leaf(f"{path}.ls1", "_LayerScale", x, x, dim)
    b.leaf(f"{path}.drop_path1", "Identity", x, x)
    b.leaf(f"{path}.norm2", "LayerNorm", x, x, 2 * dim)
    b.add(f"{path}.mlp", "_Mlp")
    b.call(f"{path}.mlp", x, x)
    b.leaf(f"{path}.mlp.fc1", "Linear", x, (1, tokens, 4 * dim), dim * 4 * dim + 4 * dim)
    b.leaf(f"{path}.mlp.act", "GELU", (1, tokens, 4 * dim), (1, tokens, 4 * dim))
    b.leaf(f"{path}.mlp.drop1", "Dropout", (1, tokens, 4 * dim), (1, tokens, 4 * dim))
    b.leaf(f"{path}.mlp.fc2", "Linear", (1, tokens, 4 * dim), x, 4 * dim * dim + dim)
    b.leaf(f"{path}.mlp.drop2", "Dropout", x, x)
    b.leaf(f"{path}.ls2", "_LayerScale", x, x, dim)
    b.leaf(f"{path}.drop_path2", "Identity", x, x)


def efficientformer_l1_trace(size: int = 224) -> Trace:
    """EfficientFormer-L1 as lucid builds it (timm's structure): widths 48, 96, 224, 448; depths 3, 2, 6, 4."""
    widths, depths = (48, 96, 224, 448), (3, 2, 6, 4)
    b = TraceBuilder("efficientformer_l1", "EfficientFormer")
    image = (1, 3, size, size)
    b.call("", image, (1, 1000))
    half, quarter = size // 2, size // 4
    b.add("stem", "Sequential")
    b.call("stem", image, (1, 48, quarter, quarter))
    b.leaf("stem.conv1", "Conv2d", image, (1, 24, half, half), _conv_params(3, 24, 3))
    b.leaf("stem.norm1", "BatchNorm2d", (1, 24, half, half), (1, 24, half, half), 48)
    b.leaf("stem.act1", "ReLU", (1, 24, half, half), (1, 24, half, half))
    b.leaf("stem.conv2", "Conv2d", (1, 24, half, half), (1, 48, quarter, quarter), _conv_params(24, 48, 3))
    b.leaf("stem.norm2", "BatchNorm2d", (1, 48, quarter, quarter), (1, 48, quarter, quarter), 96)
    b.leaf("stem.act2", "ReLU", (1, 48, quarter, quarter), (1, 48, quarter, quarter))

    b.add("stages", "Sequential")
    final_tokens = (size // 32) ** 2
    b.call("stages", (1, 48, quarter, quarter), (1, final_tokens, 448))
    hw, prev = quarter, 48
    for i, (dim, depth) in enumerate(zip(widths, depths, strict=True)):
        stage = f"stages.{i}"
        b.add(stage, "_EfficientFormerStage")
        last = i == len(widths) - 1
        out_hw = hw if i == 0 else hw // 2
        stage_out = (1, out_hw * out_hw, dim) if last else (1, dim, out_hw, out_hw)
        b.call(stage, (1, prev, hw, hw), stage_out)
        if i == 0:
            b.leaf(f"{stage}.downsample", "Identity", (1, prev, hw, hw), (1, dim, hw, hw))
        else:
            down = f"{stage}.downsample"
            b.add(down, "_Downsample")
            b.call(down, (1, prev, hw, hw), (1, dim, out_hw, out_hw))
            b.leaf(f"{down}.conv", "Conv2d", (1, prev, hw, hw), (1, dim, out_hw, out_hw), _conv_params(prev, dim, 3))
            b.leaf(f"{down}.norm", "BatchNorm2d", (1, dim, out_hw, out_hw), (1, dim, out_hw, out_hw), 2 * dim)
        hw = out_hw
        blocks = f"{stage}.blocks"
        b.add(blocks, "Sequential")
        b.call(blocks, (1, dim, hw, hw), stage_out)
        num_2d = depth - 1 if last else depth
        for j in range(num_2d):
            _metablock2d(b, f"{blocks}.{j}", dim, hw)
        if last:
            b.leaf(f"{blocks}.{num_2d}", "_Flat", (1, dim, hw, hw), (1, hw * hw, dim))
            _metablock1d(b, f"{blocks}.{num_2d + 1}", dim, hw * hw)
        prev = dim
    b.leaf("norm", "LayerNorm", (1, final_tokens, 448), (1, final_tokens, 448), 2 * 448)
    b.leaf("head_drop", "Dropout", (1, 448), (1, 448))
    b.leaf("head", "Linear", (1, 448), (1, 1000), 448 * 1000 + 1000)
    return b.build([image], [(1, 1000)])
