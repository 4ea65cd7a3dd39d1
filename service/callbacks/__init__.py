"""Callbacks (回访), web satisfaction surveys and appeals (申诉/核减)."""
