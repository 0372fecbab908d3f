"""Application services: the work behind the views, each behind a small interface."""
