"""The blind-index migration's steps (identity/blind_indexes.py): ``fill`` while QILU_BLIND_INDEX=dual, then ``switch``.

    manage.py blind_index fill [--batch 500] [--checkpoint var/blind-index-fill.json]
    manage.py blind_index switch      # writes paused; then deploy QILU_BLIND_INDEX=hmac-sm3
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from identity import at_rest, blind_indexes


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("step", choices=["fill", "switch"])
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--checkpoint", type=Path, default=Path(settings.BASE_DIR) / "var" / "blind-index-fill.json")

    def handle(self, *args, step, batch, checkpoint, **options):
        if blind_indexes.phase() != "dual":
            raise CommandError(f"QILU_BLIND_INDEX is {blind_indexes.phase()!r}: fill and switch run while it is 'dual'")
        started = time.monotonic()
        filled = self.fill(batch, checkpoint)
        if step == "fill":
            elapsed = time.monotonic() - started
            self.stdout.write(f"filled {filled} index values in {elapsed:.1f} s ({filled / max(elapsed, 1e-9):.0f}/s)")
            return
        started = time.monotonic()
        counts = blind_indexes.switch()
        for column, rows in counts.items():
            self.stdout.write(f"{column}: {rows} rewritten")
        self.stdout.write(f"switched in {time.monotonic() - started:.1f} s; now deploy QILU_BLIND_INDEX=hmac-sm3")

    def fill(self, batch: int, checkpoint: Path) -> int:
        mark = at_rest.Checkpoint(checkpoint)
        total = 0
        for source, rows, last in blind_indexes.fill(after=mark.done, batch=batch):
            total += rows
            mark.done[source] = last
            mark.save(at_rest.Progress(source, last=last))
        return total
