"""Preprocessing task (ECS Fargate, started per dataset): cleans raw data into features."""
import sys


def preprocess(dataset):
    print(f"preprocessing {dataset}")
    return {"dataset": dataset, "rows": 0}


if __name__ == "__main__":
    preprocess(sys.argv[1] if len(sys.argv) > 1 else "default")
