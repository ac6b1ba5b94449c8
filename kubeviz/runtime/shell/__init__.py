"""kubeviz's simulated shell: containers do what their commands say, without running
anything (see docs/shell.md). Entry points: ``Run`` (a container's main process on the
simulated clock), ``run_command`` (a command to its end: exec probes, ``kubectl exec``)
and ``Session`` (an interactive shell)."""
from .fs import Fs, FsError
from .interp import Context, Network, NoNetwork
from .program import Run, Session, run_command

__all__ = ["Context", "Fs", "FsError", "Network", "NoNetwork", "Run", "Session", "run_command"]
