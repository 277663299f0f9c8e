"""Test harnesses that ship with dagwell, so users can test their pipelines the same way
dagwell tests itself (see :mod:`dagwell.testing.kube`)."""
