"""A local Microsoft Graph v1.0 PIM emulator: ``python -m pim_emulator serve --port 0 --ready-file PATH``."""

__version__ = "0.1.0"
