"""Every error edgealign raises on purpose.

One root, a small tree, messages that say what went wrong and what to do next::

    EdgeAlignError
    ├── ConfigError             a setting, option or argument is invalid
    ├── MissingDependencyError  an optional extra is not installed (names the pip line)
    ├── PreferenceError         a direction, profile or label does not fit the preference space
    │   └── ProfileParseError   a profile string holds text that is no known label
    ├── DataError               an input record or file is malformed
    │   └── RecordError         one record: names the record and the field
    ├── PromptError             a prompt cannot be built (the task alone exceeds the budget)
    ├── StoreError              the encrypted persona store failed
    │   ├── KeyUnavailableError no key source is available (names the options)
    │   ├── WrongKeyError       the key or passphrase does not open the store
    │   ├── DecryptionError     a stored record failed authentication (opaque by design)
    │   └── UnknownUserError    no such user in the store
    ├── ArtifactError           a model artifact is missing, corrupt or mismatched
    │   └── ParityError         an export disagrees with its source past the tolerance
    └── ModelError              a local model failed to load or run

Native causes are chained with ``raise ... from``. Decryption is the one place that says
little on purpose: like Fernet's InvalidToken, it never reveals why authentication failed.
"""

from __future__ import annotations

__all__ = [
    "EdgeAlignError",
    "ConfigError",
    "MissingDependencyError",
    "PreferenceError",
    "ProfileParseError",
    "DataError",
    "RecordError",
    "PromptError",
    "StoreError",
    "KeyUnavailableError",
    "WrongKeyError",
    "DecryptionError",
    "UnknownUserError",
    "ArtifactError",
    "ParityError",
    "ModelError",
]


class EdgeAlignError(Exception):
    """Root of every error edgealign raises on purpose."""


class ConfigError(EdgeAlignError, ValueError):
    """A setting, option or argument is invalid."""


class MissingDependencyError(EdgeAlignError, ImportError):
    """A dependency is missing; the message names the one line that installs it: the extra
    that brings it (``pip install 'edgealign[train]'``), else ``install``."""

    def __init__(self, module: str, extra: str | None = None, *, install: str | None = None) -> None:
        if install is None:
            install = f"pip install 'edgealign[{extra}]'" if extra else f"pip install {module}"
        source = f"it comes with the '{extra}' extra" if extra else "install it"
        super().__init__(f"{module} is not installed; {source}: {install}")
        self.module = module
        self.extra = extra
        self.install = install

    @classmethod
    def for_module(cls, name: str, prefer: str | None = None) -> "MissingDependencyError":
        """The error for an import of ``name`` that failed: the extra of edgealign's that
        lists its distribution (``prefer`` when several do, e.g. the command's name), read
        from the installed package's metadata."""
        from ._extras import extra_for

        dist, extra, install = extra_for(name.split(".")[0], prefer)
        return cls(dist, extra, install=install)


class PreferenceError(EdgeAlignError, ValueError):
    """A direction, profile or label does not fit the 90-dimension preference space."""


class ProfileParseError(PreferenceError):
    """A profile string contains text that is not a known label."""


class DataError(EdgeAlignError, ValueError):
    """An input file or record is malformed."""


class RecordError(DataError):
    """One record is malformed; the message names the record and the field."""

    def __init__(self, where: str, field: str, problem: str) -> None:
        super().__init__(f"{where}: field {field!r}: {problem}")
        self.where = where
        self.field = field
        self.problem = problem


class PromptError(EdgeAlignError, ValueError):
    """A prompt cannot be built within its budget."""


class StoreError(EdgeAlignError):
    """The encrypted persona store failed."""


class KeyUnavailableError(StoreError):
    """No key source is available for the store."""


class WrongKeyError(StoreError):
    """The key or passphrase does not open the store; nothing was changed."""


class DecryptionError(StoreError):
    """A stored ciphertext failed authentication. Deliberately says nothing about why."""


class UnknownUserError(StoreError, KeyError):
    """No user of that name exists in the store."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class ArtifactError(EdgeAlignError):
    """A model artifact is missing, corrupt, or does not match this SDK."""


class ParityError(ArtifactError):
    """An exported artifact disagrees with its source model past the tolerance."""


class ModelError(EdgeAlignError):
    """A local model failed to load or run."""
