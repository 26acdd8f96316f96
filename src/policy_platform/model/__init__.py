"""Value objects shared by every engine, reporter and command."""
