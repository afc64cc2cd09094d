"""Debian's headless Chromium as the tests and benchmarks launch it (never a downloaded browser).

The flags keep Chromium off the network: on a closed machine its background connections would
otherwise fail by the dozen at every start.
"""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
