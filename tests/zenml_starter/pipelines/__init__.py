from .feature_engineering import feature_engineering
from .inference import inference
from .training import training
