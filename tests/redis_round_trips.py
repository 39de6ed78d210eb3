"""A test's count of Redis round trips: each command sent on its own is one (its name recorded), each
pipeline is one (recorded as ``PIPELINE`` and its commands), and so is every send on a held connection (``core.redis_held.send``: the session's read, the
check journal's append, 亮证's script), bypassing the client's commands. redis-py's own retry of a script it had
to load (``NOSCRIPT`` → ``SCRIPT LOAD`` → ``EVALSHA``) shows as three: warm a path before counting. While counting,
the key ring's once-a-second version check (``credentials.signing.keyring``) is held off (a ring not loaded yet
still loads): it is the process's, not the request's, and a count that crossed the second would otherwise see one
more GET (seen under ``-n 2``)."""

import contextlib

import redis

from core import redis_held
from credentials import signing


@contextlib.contextmanager
def counted():
    seen: list[str] = []
    real_command, real_execute = redis.Redis.execute_command, redis.client.Pipeline.execute
    real_held = redis_held.send

    def command(self, *args, **options):
        seen.append(str(args[0]).upper())
        return real_command(self, *args, **options)

    def execute(self, *args, **options):
        seen.append("PIPELINE " + " ".join(str(queued[0][0]).upper() for queued in self.command_stack))
        return real_execute(self, *args, **options)

    def held(client, commands):
        names = [str(sent[0]).upper() for sent in commands]
        seen.append(names[0] if len(names) == 1 else "PIPELINE " + " ".join(names))
        return real_held(client, commands)

    check_every = signing._CHECK_EVERY
    redis.Redis.execute_command, redis.client.Pipeline.execute = command, execute
    redis_held.send = held
    signing._CHECK_EVERY = float("inf")
    try:
        yield seen
    finally:
        redis.Redis.execute_command, redis.client.Pipeline.execute = real_command, real_execute
        redis_held.send = real_held
        signing._CHECK_EVERY = check_every
