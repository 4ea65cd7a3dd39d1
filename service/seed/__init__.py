"""The demo city (Baotou): reference data from CSV files and demo staff accounts."""
