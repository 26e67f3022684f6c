"""Koe: social listening and sentiment for brand and customer-experience teams."""

__version__ = "0.1.0"
