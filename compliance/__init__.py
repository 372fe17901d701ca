"""compliance: finds reproductions of a publisher's articles and keeps the evidence."""

__version__ = "0.1.0"
