"""Neural-network building blocks: Module, Parameter, containers, layers, functional, init."""

from lucid.nn import init
from lucid.nn.container import ModuleDict, ModuleList, Sequential
from lucid.nn.hooks import RemovableHandle, register_module_forward_hook, register_module_forward_pre_hook
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter

__all__ = [
    "init",
    "Module",
    "ModuleDict",
    "ModuleList",
    "Parameter",
    "RemovableHandle",
    "Sequential",
    "register_module_forward_hook",
    "register_module_forward_pre_hook",
]
