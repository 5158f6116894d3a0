"""A function whose module takes two seconds to import. A child unpickles the function it serves by importing its
module, so a worker of this function is slow to start, as a first child is on a busy machine while the fork server
imports its preloaded modules."""

import os
import time

IMPORT_S = 2.0
time.sleep(IMPORT_S)


def pid() -> int:
    return os.getpid()
