"""Models written the way ML engineers write them, for the data-edge tests (tests/viz/test_data_edges.py) and the
browser test that renders their charts: residual blocks, a U-Net, an Inception module, a two-input model with a
dict output, a ViT, and a few forwards that stress the tracer (in-place writes, constants, unused outputs).

Every model is small (a few thousand parameters) so that building it with real weights stays cheap; the tests
trace them shape-only (`viz.trace(model, shape, meta=True)`).
"""

from __future__ import annotations

import lucid
import lucid.nn.functional as F  # noqa: N812 - the conventional spelling
from lucid import nn

# --- 1. ResNet basic blocks -------------------------------------------------------------------------------------


def conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, 3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """torchvision's BasicBlock: one `self.relu` used twice, the shortcut added before the second use."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out = out + identity
        return self.relu(out)


def identity_block() -> BasicBlock:
    return BasicBlock(8, 8)


def projection_block() -> BasicBlock:
    """Stride 2 and twice the channels: the shortcut needs a 1x1 convolution and a batch norm."""
    downsample = nn.Sequential(nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))
    return BasicBlock(8, 16, stride=2, downsample=downsample)


class TinyResNet(nn.Module):
    """A stem, two stages of two blocks (the second stage downsamples) and a classifier."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.layer1 = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 8))
        downsample = nn.Sequential(nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, 2, downsample), BasicBlock(16, 16))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(self.avgpool(x).flatten(1))


# --- 2. U-Net ------------------------------------------------------------------------------------------------------


class ConvBlock(nn.Module):
    """Conv, batch norm, ReLU; the encoder's stages downsample with a stride of 2."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1)
        self.norm = nn.BatchNorm2d(out_channels)
        self.act = nn.ReLU()

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return self.act(self.norm(self.conv(x)))


class Up(nn.Module):
    """Nearest-neighbour upsampling by 2 (lucid has no interpolate: reshape, broadcast, reshape), then a 1x1 conv
    that halves the channels."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        n, c, h, w = x.shape
        x = x.reshape(n, c, h, 1, w, 1).broadcast_to(n, c, h, 2, w, 2).reshape(n, c, 2 * h, 2 * w)
        return self.proj(x)


class UNet(nn.Module):
    """Three encoder stages of one class in a ModuleList (the last is the bottleneck), two decoder levels that
    concatenate the upsampled features with the encoder's skip, and a 1x1 head."""

    def __init__(self, in_channels: int = 3, base: int = 4, num_classes: int = 2) -> None:
        super().__init__()
        self.encoders = nn.ModuleList(
            [ConvBlock(in_channels, base), ConvBlock(base, 2 * base, stride=2), ConvBlock(2 * base, 4 * base, 2)]
        )
        self.ups = nn.ModuleList([Up(4 * base, 2 * base), Up(2 * base, base)])
        self.decoders = nn.ModuleList([ConvBlock(4 * base, 2 * base), ConvBlock(2 * base, base)])
        self.head = nn.Conv2d(base, num_classes, 1)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        skips = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
        skips.pop()  # the bottleneck's output is x itself, not a skip
        for up, decoder in zip(self.ups, self.decoders, strict=True):
            x = decoder(lucid.concatenate([up(x), skips.pop()], axis=1))
        return self.head(x)


# --- 3. Inception --------------------------------------------------------------------------------------------------


class BasicConv2d(nn.Module):
    """torchvision's BasicConv2d: conv without bias, batch norm, ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, padding: int = 0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return self.relu(self.bn(self.conv(x)))


class NaiveInception(nn.Module):
    """The naive Inception module (GoogLeNet paper, figure 2a): 1x1, 3x3 and 5x5 convolutions and a 3x3 max pool on
    the same input, concatenated along the channels. The three conv branches are one class with the same shapes:
    only the data (parallel, not a chain) keeps them from folding."""

    def __init__(self, in_channels: int, width: int = 4) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, width, 1)
        self.branch3x3 = BasicConv2d(in_channels, width, 3, padding=1)
        self.branch5x5 = BasicConv2d(in_channels, width, 5, padding=2)
        self.branch_pool = nn.MaxPool2d(3, stride=1, padding=1)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        branches = [self.branch1x1(x), self.branch3x3(x), self.branch5x5(x), self.branch_pool(x)]
        return lucid.concatenate(branches, axis=1)


class InceptionNet(nn.Module):
    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.stem = BasicConv2d(3, 8, 3, padding=1)
        self.inception = NaiveInception(8)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(20, num_classes)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        x = self.inception(self.stem(x))
        return self.fc(self.avgpool(x).flatten(1))


# --- 4. Two inputs, a dict output ----------------------------------------------------------------------------------


class ActorCritic(nn.Module):
    """An agent that sees an image and a state vector: an encoder for each, fused features, three action heads of
    the same shape (stacked into one logits tensor) and a value head."""

    def __init__(self, state_dim: int = 6, hidden: int = 16, num_actions: int = 4) -> None:
        super().__init__()
        self.image_encoder = nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()
        )
        self.state_encoder = nn.Sequential(nn.Linear(state_dim, 8), nn.ReLU())
        self.fuse = nn.Linear(16, hidden)
        self.action_heads = nn.ModuleList([nn.Linear(hidden, num_actions) for _ in range(3)])
        self.value_head = nn.Linear(hidden, 1)

    def forward(self, image: lucid.Tensor, state: lucid.Tensor) -> dict[str, lucid.Tensor]:
        features = lucid.concatenate([self.image_encoder(image), self.state_encoder(state)], axis=1)
        features = self.fuse(features).relu()
        logits = lucid.stack([head(features) for head in self.action_heads], axis=1)
        return {"logits": logits, "value": self.value_head(features)}


# --- 5. One activation module called three times -------------------------------------------------------------------


class SharedActivation(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1)
        self.conv3 = nn.Conv2d(4, 8, 3, stride=2, padding=1)
        self.act = nn.GELU()
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        x = self.act(self.conv1(x))
        x = self.act(self.conv2(x))
        x = self.act(self.conv3(x))
        return self.fc(x.flatten(1))


# --- 6. ViT --------------------------------------------------------------------------------------------------------


class Attention(nn.Module):
    """timm's Attention: one qkv projection split into q, k and v (all three from the same Linear)."""

    def __init__(self, dim: int, num_heads: int = 2) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.num_heads, c // self.num_heads).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = F.softmax((q @ k.swapaxes(-2, -1)) * self.scale, axis=-1)
        x = (attn @ v).transpose(0, 2, 1, 3).reshape(b, n, c)
        return self.proj(x)


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    """A pre-norm transformer block with its two residual adds."""

    def __init__(self, dim: int, num_heads: int = 2) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, 2 * dim)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        x = x + self.attn(self.norm1(x))
        x = x + self.mlp(self.norm2(x))
        return x


class TinyViT(nn.Module):
    """Patch embedding, a class token and position embeddings (Parameters), transformer blocks, the class token's
    features to the head."""

    def __init__(self, image_size: int = 16, patch: int = 4, dim: int = 8, depth: int = 2, classes: int = 10) -> None:
        super().__init__()
        num_patches = (image_size // patch) ** 2
        self.patch_embed = nn.Conv2d(3, dim, patch, stride=patch)
        self.cls_token = nn.Parameter(lucid.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(lucid.zeros(1, num_patches + 1, dim))
        self.blocks = nn.Sequential(*[Block(dim) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        x = self.patch_embed(x).flatten(2).swapaxes(1, 2)  # (B, N, C)
        cls = self.cls_token.broadcast_to(x.shape[0], 1, x.shape[2])
        x = lucid.concatenate([cls, x], axis=1) + self.pos_embed
        x = self.norm(self.blocks(x))
        return self.head(x[:, 0])


class SeparateQKVAttention(nn.Module):
    """Attention with q, k and v projections of their own, as in cross-attention layers: q @ kᵀ and attn @ v now
    combine tensors from different modules."""

    def __init__(self, dim: int = 8) -> None:
        super().__init__()
        self.scale = dim**-0.5
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        attn = F.softmax(self.q(x) @ self.k(x).swapaxes(-2, -1) * self.scale, axis=-1)
        return self.proj(attn @ self.v(x))


# --- 7. Functional ops between two modules -------------------------------------------------------------------------


class FunctionalGlue(nn.Module):
    """Only functional ops between the conv and the classifier, one of them a hand-written SiLU (x * sigmoid(x):
    an op whose two inputs come from the same module)."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3)
        self.b = nn.Linear(4 * 6 * 6, 10)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        h = self.a(x)
        h = h * h.sigmoid()
        return self.b(h.flatten(1).relu() * 2)


# --- 8. Folding ----------------------------------------------------------------------------------------------------


class ResidualMLPBlock(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, 2 * dim)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(2 * dim, dim)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return x + self.fc2(self.act(self.fc1(self.norm(x))))


class ChainOfBlocks(nn.Module):
    """A pure chain: each block takes only the previous block's output."""

    def __init__(self, dim: int = 8) -> None:
        super().__init__()
        self.embed = nn.Linear(4, dim)
        self.blocks = nn.Sequential(*[ResidualMLPBlock(dim) for _ in range(3)])
        self.head = nn.Linear(dim, 2)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return self.head(self.blocks(self.embed(x)))


class ChainWithLongSkip(nn.Module):
    """The same three blocks, but the first block's output is also added to the last one's."""

    def __init__(self, dim: int = 8) -> None:
        super().__init__()
        self.embed = nn.Linear(4, dim)
        self.blocks = nn.ModuleList([ResidualMLPBlock(dim) for _ in range(3)])
        self.head = nn.Linear(dim, 2)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        first = self.blocks[0](self.embed(x))
        x = self.blocks[2](self.blocks[1](first))
        return self.head(x + first)


def widening_mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(8, 16), nn.Linear(16, 32), nn.Linear(32, 4))


def square_mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 8))


# --- 11. Forwards that stress the tracer ---------------------------------------------------------------------------


class ReturnsFloat(nn.Module):
    """A forward that returns a Python float (a loss-like scalar computed outside lucid)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: lucid.Tensor) -> float:
        self.fc(x)
        return 0.5


class ReturnsNone(nn.Module):
    """A forward that stores its result on the module and returns nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.last: lucid.Tensor | None = None

    def forward(self, x: lucid.Tensor) -> None:
        self.last = self.fc(x)


class ReturnsTensorAndFloat(nn.Module):
    """A tuple output with a tensor and a float (logits and a temperature)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: lucid.Tensor) -> tuple[lucid.Tensor, float]:
        return self.fc(x), 1.0


class InPlaceWrites(nn.Module):
    """Two branches written into slices of a buffer made inside forward, and one written into the other's output:
    data that moves by `__setitem__`, not through an op."""

    def __init__(self) -> None:
        super().__init__()
        self.left = nn.Linear(4, 3)
        self.right = nn.Linear(4, 3)
        self.extra = nn.Linear(4, 1)
        self.head = nn.Linear(6, 2)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        out = lucid.zeros(x.shape[0], 6)
        out[:, :3] = self.left(x)
        out[:, 3:] = self.right(x)
        y = self.left(x)
        y[:, 0] = self.extra(x)[:, 0]
        return self.head(out) + y.sum()


class InPlaceIntoActivation(nn.Module):
    """`x[:, 0] = y` into a module's output, then the next module reads x."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 1)
        self.c = nn.Linear(4, 2)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        h = self.a(x)
        h[:, 0] = self.b(x)[:, 0]
        return self.c(h)


class MadeInForward(nn.Module):
    """Tensors created inside forward (zeros, ones, arange) mixed into the activations: constants, not producers."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 2)  # not Linear(4, 4): two equal layers in a chain would fold

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        h = self.a(x) + lucid.zeros(x.shape[0], 4)
        h = h * lucid.ones(4) + lucid.arange(4).astype(lucid.float32)
        return self.b(h)


class UnusedOutput(nn.Module):
    """An auxiliary head whose output the forward throws away."""

    def __init__(self) -> None:
        super().__init__()
        self.aux = nn.Linear(4, 3)
        self.main = nn.Linear(4, 2)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        self.aux(x)
        return self.main(x)


class LinearProbe(nn.Module):
    """A classifier trained on frozen features: the backbone's output is detached before the head."""

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(4, 10)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return self.head(self.backbone(x).detach())


class GreedyStep(nn.Module):
    """One step of greedy decoding: the most likely token of the language-model head is embedded for the next
    step (argmax, then an Embedding lookup)."""

    def __init__(self, vocab: int = 12, dim: int = 8) -> None:
        super().__init__()
        self.lm_head = nn.Linear(dim, vocab)
        self.embed = nn.Embedding(vocab, dim)

    def forward(self, hidden: lucid.Tensor) -> lucid.Tensor:
        return self.embed(self.lm_head(hidden).argmax(axis=-1))


class SharedBlock(nn.Module):
    def __init__(self, act: nn.Module) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = act
        self.fc2 = nn.Linear(8, 4)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return x + self.fc2(self.act(self.fc1(x)))


class SharedModuleInBlocks(nn.Module):
    """One activation instance registered on the model and handed to its blocks: its path is `act`, but two of
    its four calls run inside the blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.act = nn.GELU()
        self.stem = nn.Linear(4, 4)
        self.blocks = nn.Sequential(SharedBlock(self.act), SharedBlock(self.act))
        self.head = nn.Linear(4, 2)

    def forward(self, x: lucid.Tensor) -> lucid.Tensor:
        return self.head(self.act(self.blocks(self.act(self.stem(x)))))
