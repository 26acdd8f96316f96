"""engines/spectral."""
