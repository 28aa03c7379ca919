"""Neural-network building blocks: Module, Parameter, containers, layers, functional, init."""

from lucid.nn import functional, init, layers, utils
from lucid.nn.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from lucid.nn.hooks import RemovableHandle, register_module_forward_hook, register_module_forward_pre_hook
from lucid.nn.layers import *  # noqa: F403 - every layer class; the list lives in lucid/nn/layers/__init__.py
from lucid.nn.module import Module, set_module_call_wrapper
from lucid.nn.parameter import Parameter

__all__ = [  # the layer names come from one list, layers.__all__
    "Module",
    "ModuleDict",
    "ModuleList",
    "Parameter",
    "ParameterDict",
    "ParameterList",
    "RemovableHandle",
    "Sequential",
    "functional",
    "init",
    "register_module_forward_hook",
    "register_module_forward_pre_hook",
    "set_module_call_wrapper",
    "utils",
    *layers.__all__,
]
