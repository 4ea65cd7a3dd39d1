"""civic: citizen complaints, the mayor's hotline, dispatch and public supervision."""
