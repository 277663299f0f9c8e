"""Kubernetes support. Importing this package never imports a Kubernetes client:
``classify_pod`` and the pod settings are pure; the client lives in :mod:`.api` alone.
"""

from dagwell.kubernetes.classify import PodVerdict, classify_pod
from dagwell.kubernetes.settings import PodSettings

__all__ = ["PodSettings", "PodVerdict", "classify_pod"]
