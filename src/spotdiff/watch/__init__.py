"""Watching a static camera: frame sources, detection, events and their store."""
