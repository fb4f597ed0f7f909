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
    """An optional dependency is missing; the message names what to install."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"{module} is not installed; it comes with the '{extra}' extra: "
            f"pip install 'edgealign[{extra}]'"
        )
        self.module = module
        self.extra = extra


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
