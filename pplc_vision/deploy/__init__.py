"""Deployment: ONNX export and inference engines (never imported by the models)."""
from .export import DEFAULT_OPSET, export_onnx, onnxruntime_session

__all__ = ['DEFAULT_OPSET', 'export_onnx', 'onnxruntime_session']
