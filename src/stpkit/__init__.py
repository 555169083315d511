"""stpkit: Sustainability and Transformation Plans as data."""

__version__ = "0.1.0"
