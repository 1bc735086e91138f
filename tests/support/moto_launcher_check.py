#!/usr/bin/env python3
"""Checks that moto_launcher.py's DynamoDB patch keeps real DynamoDB's transaction
semantics: a cancelled TransactWriteItems leaves no trace (a put before the failing
condition is undone, an update is undone, the failing put never lands) and a successful one
lands whole. Exit 77 (skipped) when moto or boto3 is not installed."""
import os
import socket
import subprocess
import sys
import time

try:
    import boto3
    import moto  # noqa: F401
except ImportError:
    print("moto/boto3 not installed: skipped")
    sys.exit(77)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    port = free_port()
    launcher = os.path.join(os.path.dirname(os.path.abspath(__file__)), "moto_launcher.py")
    server = subprocess.Popen([sys.executable, launcher, str(port), "--single-threaded"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        db = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                          aws_access_key_id="AKIDTEST", aws_secret_access_key="test-secret")
        db.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                   {"AttributeName": "sk", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                              {"AttributeName": "sk", "AttributeType": "S"}])

        def key(pk, sk):
            return {"pk": {"S": pk}, "sk": {"S": sk}}

        def exists(pk, sk):
            return "Item" in db.get_item(TableName="t", Key=key(pk, sk))

        db.put_item(TableName="t", Item={**key("A", "1"), "v": {"N": "1"}})
        try:
            db.transact_write_items(TransactItems=[
                {"Put": {"TableName": "t", "Item": key("B", "1")}},
                {"Update": {"TableName": "t", "Key": key("A", "1"), "UpdateExpression": "SET v = :two",
                            "ExpressionAttributeValues": {":two": {"N": "2"}}}},
                {"Put": {"TableName": "t", "Item": key("A", "2"), "ConditionExpression": "attribute_exists(pk)"}},
            ])
            sys.exit("a transaction with a failing condition succeeded")
        except db.exceptions.TransactionCanceledException as e:
            codes = [r.get("Code") for r in e.response["CancellationReasons"]]
            assert codes == ["None", "None", "ConditionalCheckFailed"], codes
        assert not exists("B", "1"), "the put before the failing condition was not undone"
        assert db.get_item(TableName="t", Key=key("A", "1"))["Item"]["v"] == {"N": "1"}, "update not undone"
        assert not exists("A", "2"), "the failing put landed"
        assert db.scan(TableName="t")["Count"] == 1
        db.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": key("C", "1")}},
                                               {"Delete": {"TableName": "t", "Key": key("A", "1")}}])
        assert exists("C", "1") and not exists("A", "1"), "a successful transaction did not land whole"
        print("moto transactions: cancelled ones leave no trace, successful ones land whole")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
