"""Peak memory of the running process, for the benchmarks (one definition)."""

import resource

__all__ = ['peak_memory_gib']


def peak_memory_gib():
    """Peak resident memory of this process (GiB): ``VmHWM`` where available.

    ``ru_maxrss`` is the fallback: on Linux a forked child starts with its
    parent's high-water mark, so benchmarks measure in fresh interpreters.
    """
    try:
        with open('/proc/self/status') as status:
            for line in status:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024 ** 2
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
