"""Routing and dispatch: the dispatch catalogue, learned suggestions, decisions, returns."""
