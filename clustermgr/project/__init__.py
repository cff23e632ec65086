"""The project: its configuration (clustermgr.yaml) and where its inputs and clusters are."""

from clustermgr.project.configuration import CONFIG_NAME, Config, load_config
from clustermgr.project.discovery import Cluster, Project, find_project, require_clusters

__all__ = [
    "CONFIG_NAME",
    "Cluster",
    "Config",
    "Project",
    "find_project",
    "load_config",
    "require_clusters",
]
