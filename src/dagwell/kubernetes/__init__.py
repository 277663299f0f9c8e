"""Kubernetes support. Importing this package never imports a Kubernetes client."""
