"""Shared web plumbing: templates, locale, CSRF, errors, pagination."""
