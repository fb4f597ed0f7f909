"""Test helpers shipped with the SDK for app developers: fakes of the bridge and the local model."""
