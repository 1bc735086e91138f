"""Shared helpers of the training Lambda and the inference service."""


def load_config(name):
    return {"name": name, "epochs": 10, "scale": 1.0}
