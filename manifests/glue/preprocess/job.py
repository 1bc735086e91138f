"""Glue job: cleans raw records into the training layout."""
import sys


def main(argv):
    print("preprocessing", argv[1:] or ["s3://raw/"])


if __name__ == "__main__":
    main(sys.argv)
