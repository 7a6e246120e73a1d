"""SpoolSync: the thread that makes the parts' spools durable every spool.fsync_period_s — the promise
that a power cut loses at most that much. It is not the supervisor's job: the supervisor waits on the
network (finishing a part, uploading a queued one) for minutes on a slow link, and the spool must not."""
from __future__ import annotations

import threading
from typing import Callable

from mosaico_ros_bridge.spool import SequenceSpool


class SpoolSync:
    def __init__(self, period_s: float, spools: Callable[[], list[SequenceSpool]], report: Callable[[str], None],
                 fatal: Callable[[BaseException], None]) -> None:
        """spools: those to keep durable now (the current part's and the closing ones'); report: a
        failed fsync (said once per text by the caller); fatal: a bug."""
        self._period = period_s
        self._spools = spools
        self._report = report
        self._fatal = fatal
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mosaico-spool-sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _sync_all(self) -> None:
        for spool in self._spools():
            try:
                spool.sync()
            except OSError as exc:
                self._report(f"spool {spool.directory}: fsync failed ({exc}); check the spool disk")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self._period):
                self._sync_all()
        except Exception as exc:  # a bug: it ends the recording with its traceback
            self._fatal(exc)
