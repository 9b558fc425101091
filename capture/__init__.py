"""Devices: camera, microphone, speaker, screen; real and file-backed sources. Never Qt."""
