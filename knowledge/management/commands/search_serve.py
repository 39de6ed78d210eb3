"""The search process (``knowledge.search``): holds the index and ranks what the web workers ask over
Redis. Run one or more; each pops requests from the same list."""

import signal

from django.core.management.base import BaseCommand

from knowledge import search


class Command(BaseCommand):
    help = "Rank 智能问答 and catalogue searches for the web workers (the index stays in this process)."

    def handle(self, *args, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))  # answer the request in hand, then stop
        server = search.Server()
        server.warm()
        self.stdout.write(f"search process answering {search.REQUESTS}", ending="\n")
        self.stdout.flush()
        server.run(stop=lambda: bool(stopping))
