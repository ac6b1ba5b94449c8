"""Lessons: step-through tutorials that run on the learner's own live cluster (docs/lessons.md)."""
