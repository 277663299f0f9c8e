from .data_loader import data_loader
from .data_preprocessor import data_preprocessor
from .data_splitter import data_splitter
from .inference_predict import inference_predict
from .model_evaluator import model_evaluator
from .model_promoter import model_promoter
from .model_trainer import model_trainer
