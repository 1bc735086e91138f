"""AWS Batch job: the long training run."""


def train(epochs=10):
    for epoch in range(epochs):
        print(f"epoch {epoch}")


if __name__ == "__main__":
    train()
