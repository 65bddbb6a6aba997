"""Developer tools that live beside the package: synthetic evidence and the demo workspace."""
