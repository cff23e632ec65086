"""clustermgr: run a fleet of kOps clusters from one template plus layered values."""

__version__ = "0.1.0"
