"""The coded, versioned category tree and its cross-cutting tags."""
