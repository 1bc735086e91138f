"""Training Lambda: starts a training run for the dataset named in the event."""
from ml_common import load_config


def handler(event, _context):
    config = load_config(event.get("dataset", "default"))
    return {"status": "started", "epochs": config["epochs"]}
