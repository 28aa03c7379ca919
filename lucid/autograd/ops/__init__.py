"""The primitive ops, one file per family. Each op's backward sits beside its forward."""
