"""`pool demo`: a realistic day and year of the 商洛 pool in a fresh SQLite file, run through the
same services as every command."""

from pool.demo.story import Played, play, run

__all__ = ["Played", "play", "run"]
