"""Write the check journal's records to PostgreSQL in batches (see ``core.journal``). Run one per
stream consumer name; a restarted consumer keeps its name and finds its own pending records first."""

import signal
import socket

from django.core.management.base import BaseCommand

from core import journal


class Command(BaseCommand):
    help = "Consume the check journal: write pass checks and verifications in batches, exactly once."

    def add_arguments(self, parser):
        parser.add_argument("--name", default=f"{socket.gethostname()}-1", help="this consumer's stable name in the group")
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--linger", type=float, default=0.1,
                            help="seconds to let records gather after a batch smaller than --batch: fewer, larger batches under load; "
                                 "a check shows in \"who used my data\" up to this much later")
        parser.add_argument("--commit-delay", type=float, default=0.0, help="fault injection for tests: seconds to hold each batch open")

    def handle(self, *args, name, batch, commit_delay, linger, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))  # finish the batch in hand, then stop
        consumer = journal.Consumer(name, batch=batch, commit_delay=commit_delay, linger=linger)
        self.stdout.write(f"journal consumer {name} reading {journal.STREAM}", ending="\n")
        self.stdout.flush()
        consumer.run(stop=lambda: bool(stopping))
