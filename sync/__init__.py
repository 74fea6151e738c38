"""statusfiles: GitOps for incident.io status pages."""

__version__ = "0.1.0"
