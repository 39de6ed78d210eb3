"""A test's count of Redis round trips: each command sent on its own is one (its name recorded), each
pipeline is one (recorded as ``PIPELINE`` and its commands). redis-py's own retry of a script it had
to load (``NOSCRIPT`` → ``SCRIPT LOAD`` → ``EVALSHA``) shows as three: warm a path before counting."""

import contextlib

import redis


@contextlib.contextmanager
def counted():
    seen: list[str] = []
    real_command, real_execute = redis.Redis.execute_command, redis.client.Pipeline.execute

    def command(self, *args, **options):
        seen.append(str(args[0]).upper())
        return real_command(self, *args, **options)

    def execute(self, *args, **options):
        seen.append("PIPELINE " + " ".join(str(queued[0][0]).upper() for queued in self.command_stack))
        return real_execute(self, *args, **options)

    redis.Redis.execute_command, redis.client.Pipeline.execute = command, execute
    try:
        yield seen
    finally:
        redis.Redis.execute_command, redis.client.Pipeline.execute = real_command, real_execute
