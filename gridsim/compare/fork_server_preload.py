"""What the fork server imports before it forks any worker (``pool.PRELOADED``).

Importing this module *is* the warm-up (``pool.warm_up``: torch and what its optimisers
import, ``train``, every algorithm's module, torch's lazy set-up on a first step), so it is
paid once per process and every worker forked afterwards starts with it done. It leaves the
fork server single-threaded (checked: one thread), so forking it stays safe. Best effort:
an algorithm module a student broke fails its own runs, not the fork server.
"""

from gridsim.compare.pool import warm_up

warm_up()
