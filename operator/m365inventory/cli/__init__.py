"""The `m365-inventory` command line: run the operator, the simulator, the demo, and tools."""
