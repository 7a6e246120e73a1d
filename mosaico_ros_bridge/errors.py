"""The project's one exception hierarchy.

Every error a user can meet is a MosaicoBridgeError; its message names the sequence/topic/key involved
and what to do about it. Server errors keep the server's exact text in `server_message`.
"""
from __future__ import annotations


class MosaicoBridgeError(Exception):
    """Base of every error raised by mosaico_ros_bridge."""


class ConfigError(MosaicoBridgeError):
    """A configuration key or value is wrong; the message names the key and the fix."""


class ConnectionFailed(MosaicoBridgeError):
    """The Mosaico server cannot be reached (message names host:port and what to check)."""


class UploadStalled(ConnectionFailed):
    """A topic's upload stopped moving (no progress for server.stall_timeout_s) or ended: the server is
    taken as lost. The message names the topic."""


class InvalidName(MosaicoBridgeError):
    """A sequence or topic name breaks the safe naming rules; raised before anything is sent."""


class ServerError(MosaicoBridgeError):
    """The server refused a request. `server_message` is its text, `action` the request made."""

    def __init__(self, message: str, *, action: str, server_message: str, code: str = "INTERNAL") -> None:
        super().__init__(message)
        self.action = action
        self.server_message = server_message
        self.code = code


class AlreadyExists(ServerError):
    """A sequence or topic with that name already exists on the server."""


class NotFound(ServerError):
    """The named sequence or topic does not exist on the server."""


class Locked(ServerError):
    """The sequence or topic is finalized (locked) and cannot be modified."""


class PermissionDenied(ServerError):
    """The server refused the API key: missing, malformed, unknown or without the needed permission."""


class WriterError(MosaicoBridgeError):
    """A writer cannot accept data (closed, failed upload, record too large...)."""


class UnsupportedMessageType(MosaicoBridgeError):
    """No adapter is registered for a ROS message type and the fallback is off."""


class SpoolError(MosaicoBridgeError):
    """The local spool cannot be written or read (disk full, unreadable spool directory)."""


def forget_traceback(exc: BaseException) -> None:
    """For an error kept after its handler ended (an upload's failure): drop its tracebacks and its
    causes'. A traceback holds the failed thread's frames and so the object keeping the error, a
    reference cycle only Python's rare full collection frees; the message says what happened."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        link.__traceback__ = None
        link = link.__cause__ or link.__context__
