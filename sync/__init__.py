"""statusfiles: GitOps for incident.io status pages.

Three names, one project: ``sync`` is the import package, ``statusfiles`` the distribution and the command,
and ``statusfiles/`` the folder of updates in the repository that uses it.
"""

__version__ = "0.1.0"

KEY_ENV = "INCIDENT_IO_API_KEY"  # the one place the API key comes from
