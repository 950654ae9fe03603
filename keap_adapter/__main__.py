"""``python -m keap_adapter`` is the ``keap-adapter`` command."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
